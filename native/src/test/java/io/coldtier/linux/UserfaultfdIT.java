package io.coldtier.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * userfaultfd on the real kernel: faults are delivered with the right flags and resolved by the
 * right ioctl. Every faulting access is a libc call on its own platform thread (see Faulter).
 */
@Tag("kernel")
@Timeout(60)
class UserfaultfdIT {
    static final long PAGE = 4096;
    static final int PAGES = 16;
    static final Duration FAULT_WAIT = Duration.ofSeconds(10);

    Arena arena;
    Memfd memfd;
    Mapping mapping;
    Userfaultfd uffd;
    UffdEventBuffer events;

    @BeforeEach
    void setUp() {
        KernelTests.assumeUserfaultfd();
        arena = Arena.ofShared();
        memfd = Memfd.create("uffd-it", PAGES * PAGE);
        mapping = Mapping.shared(memfd.fd(), PAGES * PAGE, 0);
        uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
        events = new UffdEventBuffer(64);
    }

    @AfterEach
    void tearDown() {
        if (events != null) {
            events.close();
        }
        if (uffd != null) {
            uffd.close();
        }
        if (mapping != null) {
            mapping.close();
        }
        if (memfd != null) {
            memfd.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    long page(int i) {
        return mapping.address() + i * PAGE;
    }

    MemorySegment pattern(int seed) {
        MemorySegment s = arena.allocate(PAGE, PAGE);
        for (int i = 0; i < PAGE; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 31 + i * 7));
        }
        return s;
    }

    /** Fills the memfd's page cache through pwrite, never through the registered mapping. */
    void populateViaPwrite() {
        for (int i = 0; i < PAGES; i++) {
            memfd.pwrite(pattern(i), PAGE, i * PAGE);
        }
    }

    UffdEvent.Pagefault nextFault() {
        int n = uffd.readBlocking(events, (int) FAULT_WAIT.toMillis());
        assertThat(n).as("a fault message within %s", FAULT_WAIT).isGreaterThan(0);
        assertThat(events.decode(0)).isInstanceOf(UffdEvent.Pagefault.class);
        return (UffdEvent.Pagefault) events.decode(0);
    }

    @Test
    void missingFault_onMemfdMapping_isResolvedByCopyWithTheRightBytes() throws Exception {
        uffd.register(mapping.address(), PAGES * PAGE, Userfaultfd.REGISTER_MODE_MISSING);
        MemorySegment dst = arena.allocate(PAGE, PAGE);
        MemorySegment src = pattern(3);

        Faulter reader = Faulter.read(page(3), dst.address(), PAGE);
        UffdEvent.Pagefault f = nextFault();
        assertThat(f.page(PAGE)).isEqualTo(page(3));
        assertThat(f.missing()).isTrue();
        assertThat(f.write()).isFalse();
        assertThat(reader.isDone()).as("reader blocks until resolved").isFalse();

        CopyOutcome out = uffd.copy(page(3), src.address(), PAGE, 0);
        assertThat(out).isEqualTo(new CopyOutcome.Copied(PAGE));
        assertThat(reader.awaitDone(FAULT_WAIT)).isTrue();
        assertThat(dst.mismatch(src)).as("reader saw the copied bytes").isEqualTo(-1);
    }

    @Test
    void copy_ontoPresentPage_isAlreadyPresentNotAnError() {
        uffd.register(mapping.address(), PAGES * PAGE, Userfaultfd.REGISTER_MODE_MISSING);
        MemorySegment src = pattern(1);
        assertThat(uffd.copy(page(1), src.address(), PAGE, 0)).isEqualTo(new CopyOutcome.Copied(PAGE));
        assertThat(uffd.copy(page(1), src.address(), PAGE, 0)).isEqualTo(CopyOutcome.ALREADY_PRESENT);
    }

    @Test
    void minorFault_isResolvedByContinueWithPageCacheContents() throws Exception {
        populateViaPwrite();
        uffd.register(mapping.address(), PAGES * PAGE, Userfaultfd.REGISTER_MODE_MINOR);
        MemorySegment dst = arena.allocate(PAGE, PAGE);

        Faulter reader = Faulter.read(page(5), dst.address(), PAGE);
        UffdEvent.Pagefault f = nextFault();
        assertThat(f.minor()).isTrue();
        assertThat(f.page(PAGE)).isEqualTo(page(5));

        CopyOutcome out = uffd.continueMapping(page(5), PAGE, 0);
        assertThat(out.done()).isTrue();
        assertThat(reader.awaitDone(FAULT_WAIT)).isTrue();
        assertThat(dst.mismatch(pattern(5))).isEqualTo(-1);
    }

    @Test
    void writeToWriteProtectedNonPresentShmemPage_trapsWithWriteWp_andReadDoesNot() throws Exception {
        populateViaPwrite();
        uffd.register(mapping.address(), PAGES * PAGE,
                Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
        // Nothing is mapped yet: WRITEPROTECT installs uffd-wp markers on the non-present PTEs.
        assertThat(scanPresent()).isEmpty();
        uffd.writeProtect(mapping.address(), PAGES * PAGE, true, false);

        MemorySegment dst = arena.allocate(PAGE, PAGE);
        Faulter reader = Faulter.read(page(2), dst.address(), PAGE);
        assertThat(reader.awaitDone(FAULT_WAIT)).as("a read of a marker maps silently").isTrue();
        assertThat(uffd.read(events)).as("no message for the read").isZero();
        assertThat(dst.mismatch(pattern(2))).isEqualTo(-1);

        Faulter writer = Faulter.write(page(7), 0x5a, 64);
        UffdEvent.Pagefault f = nextFault();
        assertThat(f.flags()).isEqualTo(UffdEvent.Pagefault.FLAG_WRITE | UffdEvent.Pagefault.FLAG_WP);
        assertThat(f.page(PAGE)).isEqualTo(page(7));
        assertThat(writer.isDone()).isFalse();

        uffd.writeProtect(page(7), PAGE, false, false); // unprotect wakes the writer
        assertThat(writer.awaitDone(FAULT_WAIT)).isTrue();
        MemorySegment back = arena.allocate(PAGE, PAGE);
        memfd.pread(back, PAGE, 7 * PAGE);
        assertThat(back.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
        assertThat(back.asSlice(64).mismatch(pattern(7).asSlice(64))).isEqualTo(-1);
    }

    @Test
    void dontneedThenPagemapScanPresent_reportsExactlyThePagesTouchedSince() throws Exception {
        populateViaPwrite();
        uffd.register(mapping.address(), PAGES * PAGE,
                Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
        MemorySegment dst = arena.allocate(PAGE, PAGE);
        // Map every page, then zap: the data stays in the page cache, the PTEs go.
        for (int i = 0; i < PAGES; i++) {
            Faulter.read(page(i), dst.address(), 8).awaitDone(FAULT_WAIT);
        }
        assertThat(scanPresent()).hasSize(PAGES);
        mapping.madvise(0, PAGES * PAGE, Madvise.MADV_DONTNEED);
        assertThat(scanPresent()).isEmpty();

        List<Integer> touched = List.of(1, 4, 5, 9, 15); // reads and a write, no neighbours
        for (int i : touched) {
            Faulter f = i == 9 ? Faulter.write(page(i), 1, 8) : Faulter.read(page(i), dst.address(), 8);
            assertThat(f.awaitDone(FAULT_WAIT)).isTrue();
        }
        assertThat(scanPresent()).as("no fault-around: exactly the touched pages").isEqualTo(touched);
        assertThat(uffd.read(events)).as("kernel-resolved, no messages").isZero();
    }

    @Test
    void punchedHole_makesTheNextAccessAMissingFault() throws Exception {
        populateViaPwrite();
        uffd.register(mapping.address(), PAGES * PAGE, Userfaultfd.REGISTER_MODE_MISSING);
        MemorySegment dst = arena.allocate(PAGE, PAGE);
        assertThat(Faulter.read(page(6), dst.address(), PAGE).awaitDone(FAULT_WAIT)).isTrue();
        assertThat(dst.mismatch(pattern(6))).isEqualTo(-1);

        memfd.punchHole(6 * PAGE, PAGE);
        Faulter reader = Faulter.read(page(6), dst.address(), PAGE);
        UffdEvent.Pagefault f = nextFault();
        assertThat(f.missing()).isTrue();
        assertThat(f.page(PAGE)).isEqualTo(page(6));

        assertThat(uffd.zeropage(page(6), PAGE, 0).done()).isTrue();
        assertThat(reader.awaitDone(FAULT_WAIT)).isTrue();
        assertThat(dst.mismatch(arena.allocate(PAGE))).as("zero page").isEqualTo(-1);
    }

    @Test
    void batchedRead_returnsOneMessagePerBlockedThread() throws Exception {
        uffd.register(mapping.address(), PAGES * PAGE, Userfaultfd.REGISTER_MODE_MISSING);
        MemorySegment dst = arena.allocate(PAGE * 3, PAGE);
        Faulter a = Faulter.read(page(0), dst.address(), 8);
        Faulter b = Faulter.read(page(8), dst.address() + PAGE, 8);
        Faulter c = Faulter.write(page(12), 9, 8);
        long deadline = System.nanoTime() + FAULT_WAIT.toNanos();
        java.util.Set<Long> seen = new java.util.TreeSet<>();
        while (seen.size() < 3 && System.nanoTime() < deadline) {
            int n = uffd.readBlocking(events, 1000);
            for (int i = 0; i < n; i++) {
                seen.add(events.address(i) & -PAGE);
            }
        }
        assertThat(seen).containsExactly(page(0), page(8), page(12));
        MemorySegment zero = arena.allocate(PAGE, PAGE);
        for (long p : seen) {
            assertThat(uffd.copy(p, zero.address(), PAGE, Userfaultfd.COPY_MODE_DONTWAKE).done()).isTrue();
        }
        uffd.wake(mapping.address(), PAGES * PAGE); // one WAKE for the batch
        assertThat(a.awaitDone(FAULT_WAIT) && b.awaitDone(FAULT_WAIT) && c.awaitDone(FAULT_WAIT)).isTrue();
    }

    @Test
    void rwpCalls_onKernelWithoutRwp_failWithTheMissingFeatureError() {
        org.junit.jupiter.api.Assumptions.assumeFalse(uffd.api().hasRwp(), "this kernel has RWP");
        String bit17 = "UFFD_FEATURE_RWP (bit 17)";
        assertThatThrownBy(() -> uffd.rwProtect(mapping.address(), PAGE, Userfaultfd.RWPROTECT_MODE_RWP))
                .isInstanceOf(MissingKernelFeatureException.class)
                .hasMessageContaining("UFFDIO_RWPROTECT").hasMessageContaining(bit17)
                .hasMessageContaining("zap backend");
        assertThatThrownBy(() -> uffd.setMode(0, UffdFeature.RWP_ASYNC))
                .isInstanceOf(MissingKernelFeatureException.class)
                .hasMessageContaining("UFFDIO_SET_MODE").hasMessageContaining(bit17);
        assertThatThrownBy(() -> uffd.register(mapping.address(), PAGE,
                Userfaultfd.REGISTER_MODE_RWP | Userfaultfd.REGISTER_MODE_MISSING))
                .isInstanceOf(MissingKernelFeatureException.class).hasMessageContaining(bit17);
        assertThatThrownBy(() -> Userfaultfd.open(UffdOpenMode.SYSCALL,
                UffdFeature.RWP | UffdFeature.RWP_ASYNC, 0))
                .isInstanceOf(MissingKernelFeatureException.class)
                .hasMessageContaining(bit17).hasMessageContaining("UFFD_FEATURE_RWP_ASYNC (bit 18)")
                .satisfies(e -> assertThat(((MissingKernelFeatureException) e).missingFeatures())
                        .isEqualTo(UffdFeature.RWP | UffdFeature.RWP_ASYNC));
    }

    @Test
    void unknownRegisterMode_failsWithNamedSyscallAndErrno() {
        assertThatThrownBy(() -> uffd.register(mapping.address() + 1, PAGE, Userfaultfd.REGISTER_MODE_MISSING))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("ioctl(UFFDIO_REGISTER)")
                .hasMessageContaining("EINVAL")
                .hasMessageContaining("Invalid argument");
    }

    List<Integer> scanPresent() {
        try (PagemapScan scan = PagemapScan.self()) {
            return scan.present(mapping.address(), mapping.address() + PAGES * PAGE).stream()
                    .flatMap(r -> java.util.stream.LongStream.range(0, r.pages(PAGE))
                            .mapToObj(k -> (int) ((r.start() - mapping.address()) / PAGE + k)))
                    .toList();
        }
    }
}
