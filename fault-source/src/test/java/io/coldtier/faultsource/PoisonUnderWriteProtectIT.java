package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.linux.CopyOutcome;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.PagemapScan;
import io.coldtier.linux.Userfaultfd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A page whose copy turns out bad while the uffd-wp marker of its eviction's freeze is still on its hole (it was
 * punched, the eviction has not thawed yet): UFFDIO_POISON refuses any PTE that is not none, the uffd-wp marker
 * included (EEXIST). The poison must still land, or the faulting thread is woken only to fault again, forever (the
 * fault loop answers every fault on a POISONED page with a wake).
 *
 * <p>Whether a poison marker is in place is read back with PAGEMAP_SCAN, so no thread has to take the SIGBUS: a
 * PTE marker is PAGE_IS_SWAPPED, and PAGE_IS_WRITTEN unless it is a uffd-wp marker; a none PTE is neither.
 */
@Tag("kernel")
@Timeout(60)
class PoisonUnderWriteProtectIT {
    static final int PAGES = 16;

    @Test
    void badCopy_underAFreezeMarker_isPoisonedForReal_andAFaultOnAPoisonedPageRepoisons() {
        KernelTests.assumeUserfaultfd();
        try (GuestMemory mem = GuestMemory.create(List.of(RegionSpec.local(0, PAGES * 4096L, 4096)), Registration.ZAP);
             LocalPageTier tier = new LocalPageTier()) {
            GuestRegion r = mem.region(0);
            Userfaultfd uffd = mem.uffd();

            // The kernel's rule this is about: no poison over a uffd-wp marker.
            uffd.writeProtect(r.pageAddress(1), 4096, true, false);
            assertThat(uffd.poison(r.pageAddress(1), 4096, Userfaultfd.POISON_MODE_DONTWAKE))
                    .as("UFFDIO_POISON over a uffd-wp marker").isInstanceOf(CopyOutcome.AlreadyPresent.class);
            assertThat(marker(r, 1, PagemapScan.PAGE_IS_SWAPPED)).as("the uffd-wp marker reads as swapped").isTrue();
            assertThat(poisonMarker(r, 1)).as("... and not written").isFalse();

            // Page 3: evicted (a hole, version 1), still frozen, and the tier has no copy of it.
            r.states().recover(3, 1, true);
            uffd.writeProtect(r.pageAddress(3), 4096, true, false);
            try (Refaulter refaulter = new Refaulter(mem, tier, new FaultMetrics())) {
                assertThat(refaulter.refault(r, 3, Userfaultfd.COPY_MODE_DONTWAKE))
                        .isEqualTo(Refaulter.Result.POISONED);
            }
            assertThat(r.states().get(3)).isEqualTo(PageState.POISONED);
            assertThat(poisonMarker(r, 3)).as("a poison marker holds page 3").isTrue();

            // Page 5: POISONED by an earlier attempt whose UFFDIO_POISON did not land (marker in the way). The next
            // fault on it (any kind: a poisoned PTE never reaches userfaultfd, so a fault proves it is missing)
            // poisons it again instead of waking the thread into the same fault.
            r.states().recover(5, 1, true);
            assertThat(r.states().beginRefault(5)).isTrue();
            r.states().poisoned(5);
            uffd.writeProtect(r.pageAddress(5), 4096, true, false);
            try (Refaulter refaulter = new Refaulter(mem, tier, new FaultMetrics())) {
                refaulter.ensurePoisoned(r, 5, Userfaultfd.POISON_MODE_DONTWAKE);
            }
            assertThat(poisonMarker(r, 5)).as("a poison marker holds page 5").isTrue();
        }
    }

    static boolean poisonMarker(GuestRegion r, long page) {
        return marker(r, page, PagemapScan.PAGE_IS_SWAPPED | PagemapScan.PAGE_IS_WRITTEN);
    }

    static boolean marker(GuestRegion r, long page, long categories) {
        try (PagemapScan scan = PagemapScan.self()) {
            long a = r.pageAddress(page);
            return !scan.scan(a, a + 4096, PagemapScan.Query.having(categories)).isEmpty();
        }
    }
}
