package io.coldtier.vmm.kvm;

import io.coldtier.linux.KernelTests;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eviction path the agent will use, with a KVM vCPU on the other end: the guest RAM memfd
 * mapping is registered MISSING on a userfaultfd, the host punches holes into pages (data, the
 * guest's shadow counters, its page tables, its code, its control block), and a handler thread
 * answers each fault with UFFDIO_COPY. The vCPU blocks inside KVM_RUN until the copy and then
 * carries on; the guest's self-check proves the bytes came back right, and fails when they do not.
 */
@Tag("kernel")
@Timeout(180)
class KvmGuestUffdIT {
    static final long MIB = 1L << 20;
    static final long PAGE = GuestLayout.PAGE;
    static final Duration WAIT = Duration.ofSeconds(60);

    GuestRam ram;
    Userfaultfd uffd;
    UffdPager pager;
    KvmGuest guest;
    Arena arena;

    /**
     * The uffd is registered before the guest starts, as a VMM that hands it to the agent at once
     * would: the boot-image copy and the guest's first touch of each page then fault too, and the
     * pager zero-fills them. Tests {@link UffdPager#reset()} before the part they check.
     */
    @BeforeEach
    void setUp() {
        KvmTests.assumeKvm();
        KernelTests.assumeUserfaultfd();
        arena = Arena.ofShared();
        ram = GuestRam.create(32 * MIB);
        uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
        uffd.register(ram.mapping.address(), ram.mapping.length(), Userfaultfd.REGISTER_MODE_MISSING);
        pager = new UffdPager(uffd, ram.mapping.address());
    }

    /** Guest first (its vCPUs may be waiting on faults only the pager resolves), then the pager, then the uffd. */
    @AfterEach
    void tearDown() throws Exception {
        if (guest != null) {
            guest.close();
        }
        if (pager != null) {
            pager.close();
        }
        if (uffd != null) {
            uffd.close();
        }
        if (ram != null) {
            ram.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    @Test
    void evictedPages_refaultThroughUffdCopy_andTheGuestFindsNoErrors() throws Exception {
        guest = KvmGuest.start(ram.segment(), GuestProgram.defaults().withPaging(GuestPaging.PAGE_4K));
        GuestLayout l = guest.layout();
        KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 2), WAIT, "2 sweeps");
        assertThat(guest.pause(WAIT)).isTrue();

        Set<Long> data = new LinkedHashSet<>();
        for (long i = 0; i < l.dataPages(); i += l.dataPages() / 64) {
            data.add(l.dataPageGpa(i));
        }
        // Everything else the guest or KVM reads: shadow counters, code, control block, TSS (read
        // by the emulator for each OUT), and the guest page tables KVM walks to rebuild its
        // shadow entries after the punch zapped them.
        Set<Long> system = new LinkedHashSet<>(List.of(page(l.shadowGpa(0)), page(l.shadowGpa(l.dataPages() / 2)),
                GuestLayout.CODE_GPA, l.ctrlGpa(0), GuestLayout.TSS_GPA, GuestLayout.GDT_GPA,
                l.pml4Gpa(), l.pdptGpa(), l.pdGpa(0), l.ptGpa(l.dataGpa() / GuestLayout.HUGE)));
        Set<Long> evicted = new LinkedHashSet<>(data);
        evicted.addAll(system);
        assertThat(pager.zeroFilled()).as("first touches of fresh memory were zero-filled")
                .hasSizeGreaterThanOrEqualTo((int) l.dataPages());
        long opsBefore = guest.stats().ops();
        long pfBefore = guest.stats().counters().pfTaken();
        pager.reset();
        evict(evicted);
        guest.resume();

        GuestStats s = KvmTests.awaitStats(guest, st -> st.ops() >= opsBefore + 3 * l.dataPages(), WAIT,
                "3 sweeps after the eviction");
        System.out.println("after refaults: " + s.summary() + "; " + pager.faults().size() + " faults, system pages: "
                + pager.faults().stream().filter(system::contains).map(Long::toHexString).toList() + " of "
                + system.stream().map(Long::toHexString).toList());
        assertThat(pager.errors()).isEmpty();
        assertThat(pager.zeroFilled()).isEmpty();
        assertThat(s.errors()).isZero();
        assertThat(s.path()).isEqualTo(ExecutionPath.NATIVE);
        assertThat(pager.faults()).as("each evicted page faults at most once").doesNotHaveDuplicates()
                .isSubsetOf(evicted)
                .containsAll(data)
                .contains(page(l.shadowGpa(0)), GuestLayout.CODE_GPA, l.ctrlGpa(0));
        assertThat(s.counters().pfTaken() - pfBefore).as("each refault is a shadow page fault")
                .isGreaterThanOrEqualTo(data.size());
    }

    @Test
    void staleCopyServedAfterEviction_isFoundByTheGuest() throws Exception {
        guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
        GuestLayout l = guest.layout();
        KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 1), WAIT, "1 sweep");
        assertThat(guest.pause(WAIT)).isTrue();
        List<Long> victims = new ArrayList<>();
        for (long i = 5; i < l.dataPages(); i += l.dataPages() / 16) {
            victims.add(l.dataPageGpa(i));
        }
        List<MemorySegment> old = new ArrayList<>();
        for (long gpa : victims) {
            old.add(read(gpa)); // the version before the next sweep writes the page again
        }
        guest.resume();
        long opsThen = guest.stats().ops();
        KvmTests.awaitStats(guest, st -> st.ops() >= opsThen + 2 * l.dataPages(), WAIT, "2 more sweeps");
        assertThat(guest.pause(WAIT)).isTrue();
        pager.reset();
        for (int i = 0; i < victims.size(); i++) {
            ram.memfd.punchHole(victims.get(i), PAGE);
            pager.serve(victims.get(i), old.get(i)); // a tier that lost the latest write
        }
        guest.resume();

        GuestStats s = KvmTests.awaitStats(guest, st -> st.errors() >= victims.size(), WAIT, "an error per stale page");
        long opsNow = s.ops();
        s = KvmTests.awaitStats(guest, st -> st.ops() >= opsNow + 2 * l.dataPages(), WAIT, "2 more sweeps");
        assertThat(s.errors()).isEqualTo(victims.size());
        assertThat(pager.faults()).containsExactlyInAnyOrderElementsOf(victims);
    }

    @Test
    void zeroPageServedAfterEviction_isFoundByTheGuest() throws Exception {
        guest = KvmGuest.start(ram.segment(), GuestProgram.defaults());
        GuestLayout l = guest.layout();
        KvmTests.awaitStats(guest, KvmTests.sweeps(guest, 1), WAIT, "1 sweep");
        assertThat(guest.pause(WAIT)).isTrue();
        long victim = l.dataPageGpa(l.dataPages() / 3);
        pager.reset();
        ram.memfd.punchHole(victim, PAGE); // nothing saved: the pager answers with a zero page
        guest.resume();

        GuestStats s = KvmTests.awaitStats(guest, st -> st.errors() == 1, WAIT, "the error");
        assertThat(s.vcpus().getFirst().lastBadGpa()).isEqualTo(victim);
        assertThat(pager.zeroFilled()).containsExactly(victim);
    }

    /** Saves each page's bytes for the pager, then punches it out of the memfd (guest paused). */
    private void evict(Set<Long> gpas) {
        for (long gpa : gpas) {
            pager.serve(gpa, read(gpa));
            ram.memfd.punchHole(gpa, PAGE);
        }
    }

    private MemorySegment read(long gpa) {
        MemorySegment copy = arena.allocate(PAGE, PAGE);
        ram.memfd.pread(copy, PAGE, gpa);
        return copy;
    }

    private static long page(long gpa) {
        return gpa & -PAGE;
    }
}
