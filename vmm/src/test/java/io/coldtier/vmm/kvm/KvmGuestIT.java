package io.coldtier.vmm.kvm;

import io.coldtier.vmm.kvm.internal.CtrlBlock;
import io.coldtier.vmm.kvm.internal.GuestCode;
import io.coldtier.vmm.kvm.internal.X86Asm;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The KVM guest on the real /dev/kvm: it runs natively, counts operations, finds no errors on
 * clean memory and finds every corruption the host makes behind its back. Host writes to guest
 * memory go through the memfd (pwrite), the way an agent restores pages, and only while the guest
 * is paused or to a word the guest never writes (the tag), so the expected error counts are exact.
 */
@Tag("kernel")
@Timeout(180)
class KvmGuestIT {
    static final long MIB = 1L << 20;
    static final long PAGE = GuestLayout.PAGE;
    static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeEach
    void requireKvm() {
        KvmTests.assumeKvm();
    }

    @Test
    void available_onThisMachine_isUsableAndNamesTheBackend() {
        KvmProbe probe = KvmGuest.available();
        assertThat(probe.usable()).as(probe.describe()).isTrue();
        assertThat(probe.apiVersion()).isEqualTo(12);
        assertThat(probe.module()).isIn("kvm_pvm", "kvm_intel", "kvm_amd", "unknown");
        assertThat(probe.describe()).startsWith("KVM usable: " + probe.module());
    }

    @Test
    void sequentialGuest_runsNativelyAndCountsOps_withoutErrors() throws Exception {
        try (GuestRam ram = GuestRam.create(64 * MIB);
             KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults())) {
            KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 20), WAIT, "20 sweeps");
            guest.requestStop();
            assertThat(guest.awaitFinished(WAIT)).isTrue();

            GuestStats s = guest.stats();
            System.out.println("sequential 64 MiB: " + s.summary());
            VcpuStats v = s.vcpus().getFirst();
            assertThat(v.state()).isEqualTo(VcpuState.STOPPED);
            assertThat(s.errors()).isZero();
            assertThat(s.ops()).isGreaterThanOrEqualTo(20 * guest.layout().dataPages())
                    .isEqualTo((v.reports() - 1) * guest.program().reportEveryOps());
            assertThat(s.path()).isEqualTo(ExecutionPath.NATIVE);
            assertThat(s.counters().insnEmulation()).as("only the OUTs are emulated").isLessThanOrEqualTo(v.reports());
            assertThat(s.counters().pfTaken()).as("one shadow page fault per first touch")
                    .isGreaterThanOrEqualTo(guest.layout().dataPages());
        }
    }

    static Stream<Arguments> matrix() {
        List<AccessPattern> patterns = List.of(AccessPattern.sequential(), AccessPattern.uniform(),
                AccessPattern.hotCold().withPhaseOps(200_000));
        return Stream.of(GuestPaging.values())
                .flatMap(paging -> patterns.stream().map(p -> Arguments.of(paging, p)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matrix")
    void twoVcpus_anyPagingAndPattern_runNativelyWithoutErrors(GuestPaging paging, AccessPattern pattern)
            throws Exception {
        GuestProgram program = GuestProgram.defaults().withVcpus(2).withPaging(paging).withPattern(pattern);
        try (GuestRam ram = GuestRam.create(32 * MIB); KvmGuest guest = KvmGuest.start(ram.segment(), program)) {
            KvmTests.awaitStats(guest, s -> s.vcpus().stream().allMatch(v -> v.ops() >= 2_000_000), WAIT,
                    "2M ops per vCPU");
            guest.requestStop();
            assertThat(guest.awaitFinished(WAIT)).isTrue();
            GuestStats s = guest.stats();
            System.out.println(paging + " " + pattern + ": " + s.summary());
            assertThat(s.errors()).isZero();
            assertThat(s.path()).isEqualTo(ExecutionPath.NATIVE);
            assertThat(s.vcpus()).allSatisfy(v -> assertThat(v.state()).isEqualTo(VcpuState.STOPPED));
        }
    }

    @Test
    void hotColdWithPhaseChange_advancesPhasesAndMovesTheHotSet() throws Exception {
        GuestProgram program = GuestProgram.defaults()
                .withPattern(AccessPattern.hotCold(0.05, 0.95).withPhaseOps(500_000));
        try (GuestRam ram = GuestRam.create(32 * MIB); KvmGuest guest = KvmGuest.start(ram.segment(), program)) {
            KvmTests.awaitStats(guest, st -> st.vcpus().getFirst().phase() >= 5, WAIT, "5 phases");
            assertThat(guest.pause(WAIT)).isTrue();
            GuestStats s = guest.stats();
            long phase = readCtrl(ram, guest, 0, CtrlBlock.PHASE);
            long hotBase = readCtrl(ram, guest, 0, CtrlBlock.HOT_BASE);
            long hotPages = readCtrl(ram, guest, 0, CtrlBlock.HOT_PAGES);
            long slice = guest.layout().slicePages(0);
            assertThat(hotPages).isEqualTo(Math.round(slice * 0.05));
            assertThat(phase).isEqualTo(s.vcpus().getFirst().phase());
            // Phase k starts at (k mod m) * hotPages, m = how many whole hot sets fit in the slice.
            assertThat(hotBase).isEqualTo(phase % (slice / hotPages) * hotPages);
            assertThat(s.errors()).isZero();
        }
    }

    @Test
    void hostCorruptsPagesBehindTheGuestsBack_guestCountsEachCorruptionOnce() throws Exception {
        try (GuestRam ram = GuestRam.create(32 * MIB);
             KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
             Arena arena = Arena.ofConfined()) {
            KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 2), WAIT, "2 sweeps");
            assertThat(guest.pause(WAIT)).isTrue();
            GuestLayout l = guest.layout();
            long[] bad = {l.dataPageGpa(3), l.dataPageGpa(100), l.dataPageGpa(1000), l.dataPageGpa(l.dataPages() - 1)};
            MemorySegment page = arena.allocate(PAGE, PAGE);
            corrupt(ram, page, bad[0], p -> p.set(JAVA_LONG, CtrlBlock.PAGE_TAG, 0xdeadbeefL));      // foreign page
            corrupt(ram, page, bad[1], p -> p.set(JAVA_LONG, CtrlBlock.PAGE_COUNTER,
                    p.get(JAVA_LONG, CtrlBlock.PAGE_COUNTER) - 1));                                  // stale copy
            corrupt(ram, page, bad[2], p -> p.set(JAVA_LONG, CtrlBlock.PAGE_TAIL, 7));              // torn copy
            corrupt(ram, page, bad[3], p -> p.fill((byte) 0));                                       // zero page
            guest.resume();

            GuestStats s = KvmTests.awaitStats(guest, st -> st.errors() >= bad.length, WAIT, "4 errors");
            long opsThen = s.ops();
            s = KvmTests.awaitStats(guest, st -> st.ops() >= opsThen + 3 * l.dataPages(), WAIT, "3 more sweeps");
            assertThat(s.errors()).as("each corruption counted once, then repaired").isEqualTo(bad.length);
            assertThat(s.vcpus().getFirst().lastBadGpa()).isIn(bad[0], bad[1], bad[2], bad[3]);
        }
    }

    @Test
    void tagCorruptedWhileRunning_isFoundWithinOneSweep() throws Exception {
        try (GuestRam ram = GuestRam.create(32 * MIB);
             KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
             Arena arena = Arena.ofConfined()) {
            KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 1), WAIT, "1 sweep");
            // The guest never writes the tag word except to repair it, so this races with nothing.
            MemorySegment word = arena.allocate(JAVA_LONG);
            word.set(JAVA_LONG, 0, 42);
            ram.memfd.pwrite(word, 8, guest.layout().dataPageGpa(77));
            GuestStats s = KvmTests.awaitStats(guest, st -> st.errors() == 1, WAIT, "the error");
            assertThat(s.vcpus().getFirst().lastBadGpa()).isEqualTo(guest.layout().dataPageGpa(77));
        }
    }

    @Test
    void pause_parksEveryVcpu_andNoOperationHappensUntilResume() throws Exception {
        try (GuestRam ram = GuestRam.create(32 * MIB);
             KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults().withVcpus(2))) {
            KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 1), WAIT, "1 sweep");
            assertThat(guest.pause(WAIT)).isTrue();
            GuestStats paused = guest.stats();
            assertThat(paused.vcpus()).allSatisfy(v -> assertThat(v.state()).isEqualTo(VcpuState.PAUSED));
            Thread.sleep(100);
            assertThat(guest.stats().ops()).isEqualTo(paused.ops());
            assertThat(readCtrl(ram, guest, 0, CtrlBlock.OPS) + readCtrl(ram, guest, 1, CtrlBlock.OPS))
                    .as("the guest's own counters did not move either").isEqualTo(paused.ops());

            guest.resume();
            KvmTests.awaitStats(guest, s -> s.ops() > paused.ops(), WAIT, "progress after resume");
            guest.requestStop();
            assertThat(guest.awaitFinished(WAIT)).isTrue();
        }
    }

    @Test
    void guestException_failsWithShutdownRipAndRegisters() throws Exception {
        X86Asm code = GuestCode.build(false);
        X86Asm.Line report = code.lines().stream().filter(l -> l.gas().startsWith("out 0x11")).findFirst().orElseThrow();
        long afterReport = GuestLayout.CODE_GPA + report.offset() + report.length();
        try (GuestRam ram = GuestRam.create(32 * MIB);
             KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
             Arena arena = Arena.ofConfined()) {
            KvmTests.awaitStats(guest, s -> s.ops() > 0, WAIT, "the first report");
            assertThat(guest.pause(WAIT)).isTrue();
            // Paused right after the OUT: the next instruction becomes HLT, a #GP at CPL3.
            MemorySegment hlt = arena.allocate(1);
            hlt.set(JAVA_BYTE, 0, (byte) 0xF4);
            ram.memfd.pwrite(hlt, 1, afterReport);
            guest.resume();

            assertThatThrownBy(() -> guest.awaitFinished(WAIT))
                    .isInstanceOfSatisfying(GuestFailedException.class, e -> {
                        assertThat(e.exit()).isEqualTo("KVM_EXIT_SHUTDOWN");
                        assertThat(e.rip()).isEqualTo(afterReport);
                        assertThat(e.vcpu()).isZero();
                    })
                    .hasMessageContaining("triple fault")
                    .hasMessageContaining("rflags=")
                    .hasMessageContaining("cr3=100000");
            assertThat(guest.stats().vcpus().getFirst().state()).isEqualTo(VcpuState.FAILED);
        }
    }

    @Test
    void close_isIdempotent_andStopsARunningGuest() throws Exception {
        try (GuestRam ram = GuestRam.create(32 * MIB)) {
            KvmGuest guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
            KvmTests.awaitStats(guest, s -> s.ops() > 0, WAIT, "the first report");
            guest.close();
            guest.close();
            assertThat(guest.stats().vcpus()).allSatisfy(v -> assertThat(v.state()).isEqualTo(VcpuState.STOPPED));
        }
    }

    /** Reads a page through the memfd, lets {@code change} edit it, writes it back (guest paused). */
    private static void corrupt(GuestRam ram, MemorySegment page, long gpa,
                                java.util.function.Consumer<MemorySegment> change) {
        ram.memfd.pread(page, PAGE, gpa);
        change.accept(page);
        ram.memfd.pwrite(page, PAGE, gpa);
    }

    private static long readCtrl(GuestRam ram, KvmGuest guest, int vcpu, int offset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment word = a.allocate(JAVA_LONG);
            ram.memfd.pread(word, 8, guest.layout().ctrlGpa(vcpu) + offset);
            return word.get(JAVA_LONG, 0);
        }
    }
}
