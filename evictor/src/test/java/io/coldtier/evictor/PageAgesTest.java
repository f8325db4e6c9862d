package io.coldtier.evictor;

import com.sun.management.ThreadMXBean;
import io.coldtier.evictor.policy.RegionAges;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static io.coldtier.evictor.TestEvents.PAGE;
import static io.coldtier.evictor.TestEvents.range;
import static io.coldtier.evictor.TestEvents.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class PageAgesTest {
    static PageAges region(int pages) {
        return new PageAges(0, pages, PAGE);
    }

    static int[] ages(PageAges ages) {
        int[] a = new int[ages.pages()];
        for (int p = 0; p < a.length; p++) {
            a[p] = ages.age(p);
        }
        return a;
    }

    @Test
    void observe_untouchedPages_ageByOnePerScan_accessedOnesGoToZero() {
        PageAges ages = region(4);
        ages.observe(scan(4, 1, 0));
        ages.observe(scan(4, 2, 0, 1));
        ages.observe(scan(4, 3, 0));
        assertThat(ages(ages)).containsExactly(0, 1, 3, 3);
        assertThat(ages.lastCycle()).isEqualTo(3);
        assertThat(ages.accessedCount()).isEqualTo(1);
    }

    @Test
    void age_saturatesAtMaxAge_insteadOfWrappingToZero() {
        PageAges ages = region(2);
        for (int cycle = 1; cycle <= 300; cycle++) {
            ages.observe(scan(2, cycle, 1));
        }
        assertThat(ages.age(0)).isEqualTo(RegionAges.MAX_AGE);
        assertThat(ages.age(1)).isZero();
        assertThat(ages.ageCount(RegionAges.MAX_AGE)).isEqualTo(1);
    }

    @Test
    void observe_duplicateCycle_changesNothing() {
        PageAges ages = region(8);
        ages.observe(scan(8, 1, 0));
        ages.observe(scan(8, 2, 1));
        ages.markEvicted(RoaringBitmap.bitmapOf(5));
        int[] before = ages(ages);
        int[] histogram = ages.ageHistogram();

        assertThat(ages.observe(scan(8, 2, 1))).isFalse();
        assertThat(ages.observe(scan(8, 2, 2, 3, 5))).as("same cycle, different content").isFalse();

        assertThat(ages(ages)).containsExactly(before);
        assertThat(ages.ageHistogram()).containsExactly(histogram);
        assertThat(ages.isEvicted(5)).isTrue();
        assertThat(ages.accessedCount()).isEqualTo(1);
    }

    @Test
    void observe_olderCycle_isIgnored_likeAReplayedScan() {
        PageAges ages = region(4);
        ages.observe(scan(4, 5, 0));
        assertThat(ages.observe(scan(4, 3, 1, 2, 3))).isFalse();
        assertThat(ages(ages)).containsExactly(0, 1, 1, 1);
        assertThat(ages.lastCycle()).isEqualTo(5);
        assertThat(ages.observe(scan(4, 6))).isTrue();
    }

    @Test
    void ageHistogram_countsResidentPagesOnly() {
        PageAges ages = region(6);
        ages.observe(scan(6, 1, 0, 1));
        ages.observe(scan(6, 2, 0));
        // ages 0,1,2,2,2,2
        ages.markEvicted(RoaringBitmap.bitmapOf(4, 5));
        int[] h = ages.ageHistogram();
        assertThat(h).hasSize(RegionAges.MAX_AGE + 1);
        assertThat(h[0]).isEqualTo(1);
        assertThat(h[1]).isEqualTo(1);
        assertThat(h[2]).isEqualTo(2);
        assertThat(ages.residentCount()).isEqualTo(4);
        assertThat(ages.evictedCount()).isEqualTo(2);
        assertThat(ages.residentAtLeast(1)).isEqualTo(3);
        // Evicted pages keep ageing (for the histogramOf evidence) but stay out of the histogram.
        ages.observe(scan(6, 3, 0));
        assertThat(ages.age(4)).isEqualTo(3);
        assertThat(ages.ageHistogram()[3]).isEqualTo(2);
    }

    @Test
    void refaulted_evictedPage_becomesResidentWithAgeZero_andCountsAsEvictedBefore() {
        PageAges ages = region(4);
        ages.observe(scan(4, 1));
        ages.observe(scan(4, 2));
        ages.markEvicted(RoaringBitmap.bitmapOf(2));

        assertThat(ages.refaulted(2)).isTrue();
        assertThat(ages.isEvicted(2)).isFalse();
        assertThat(ages.age(2)).isZero();
        assertThat(ages.ageCount(0)).isEqualTo(1);
        assertThat(ages.ageCount(2)).isEqualTo(3);
        assertThat(ages.refaulted(2)).as("a duplicate refault is not a second refault").isFalse();
        assertThat(ages.ageHistogram()).containsExactly(withCounts(0, 1, 2, 3));
    }

    @Test
    void refaulted_residentPage_resetsItsAge_withoutBeingARefault() {
        PageAges ages = region(4);
        ages.observe(scan(4, 1));
        assertThat(ages.refaulted(3)).isFalse();
        assertThat(ages.age(3)).isZero();
        assertThat(ages.ageHistogram()).containsExactly(withCounts(0, 1, 1, 3));
    }

    @Test
    void observe_accessToEvictedPage_makesItResident_andReportsTheRefault() {
        PageAges ages = region(4);
        ages.observe(scan(4, 1));
        ages.markEvicted(range(0, 4));
        ages.observe(scan(4, 2, 1, 3));
        assertThat(ages.lastScanRefaults()).isEqualTo(2);
        assertThat(ages.isEvicted(1)).isFalse();
        assertThat(ages.isEvicted(0)).isTrue();
        assertThat(ages.residentCount()).isEqualTo(2);
        assertThat(ages.ageHistogram()).containsExactly(withCounts(0, 2));
    }

    @Test
    void markEvicted_isIdempotent_andRemovesPagesFromCandidates() {
        PageAges ages = region(8);
        ages.observe(scan(8, 1));
        assertThat(ages.markEvicted(RoaringBitmap.bitmapOf(1, 2))).isEqualTo(2);
        assertThat(ages.markEvicted(RoaringBitmap.bitmapOf(1, 2, 3))).isEqualTo(1);
        assertThat(ages.idleAtLeast(1)).isEqualTo(RoaringBitmap.bitmapOf(0, 4, 5, 6, 7));
        assertThat(ages.evictedCount()).isEqualTo(3);
    }

    @Test
    void poisoned_page_leavesTheCandidateSet_untilAScanSeesItTouched() {
        PageAges ages = region(4);
        ages.observe(scan(4, 1));
        ages.poisoned(2);
        ages.poisoned(2);
        assertThat(ages.idleAtLeast(1)).isEqualTo(RoaringBitmap.bitmapOf(0, 1, 3));
        assertThat(ages.evictedCount()).isEqualTo(1);
        ages.observe(scan(4, 2, 2));
        assertThat(ages.isEvicted(2)).isFalse();
    }

    @Test
    void idleAtLeast_selectsResidentPagesAtOrAboveTheAge() {
        PageAges ages = region(70);
        ages.observe(scan(70, 1));
        ages.observe(scan(70, 2, 0, 1, 2, 65));
        ages.observe(scan(70, 3, 0, 66));
        ages.markEvicted(RoaringBitmap.bitmapOf(69));
        RoaringBitmap expected = range(3, 65);
        expected.add(67);
        expected.add(68);
        assertThat(ages.idleAtLeast(3)).isEqualTo(expected);
        assertThat(ages.idleAtLeast(4)).isEqualTo(new RoaringBitmap());
        assertThat(ages.idleAtLeast(0).getCardinality()).isEqualTo(69);
    }

    @Test
    void coldest_takesTheOldestFirst_thenTheLowestPagesAmongEqualAges() {
        PageAges ages = region(10);
        ages.observe(scan(10, 1));
        ages.observe(scan(10, 2, 0, 1, 2, 3, 4));
        ages.observe(scan(10, 3, 0, 1));
        // ages: 0 0 1 1 1 3 3 3 3 3
        assertThat(ages.coldest(6, 1)).isEqualTo(RoaringBitmap.bitmapOf(2, 5, 6, 7, 8, 9));
        assertThat(ages.coldest(3, 1)).isEqualTo(RoaringBitmap.bitmapOf(5, 6, 7));
        assertThat(ages.coldest(100, 1)).as("fewer candidates than asked: all of them")
                .isEqualTo(range(2, 10));
        assertThat(ages.coldest(0, 1)).isEqualTo(new RoaringBitmap());
    }

    @Test
    void selections_doNotChange_whenTheScratchBufferIsReused() {
        PageAges ages = region(128);
        ages.observe(scan(128, 1, 5));
        RoaringBitmap first = ages.idleAtLeast(1);
        RoaringBitmap copy = first.clone();
        ages.coldest(3, 1);
        ages.observe(scan(128, 2, 7));
        assertThat(first).isEqualTo(copy);
    }

    @Test
    void observe_scanOfADifferentRegionShape_isRejected_withoutChangingState() {
        PageAges ages = region(8);
        ages.observe(scan(8, 1));
        assertThatThrownBy(() -> ages.observe(scan(16, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16 pages").hasMessageContaining("region 0 has 8 pages");
        assertThat(ages.lastCycle()).isEqualTo(1);
        assertThat(ages.age(0)).isEqualTo(1);
    }

    @Test
    void pageOutsideTheRegion_isRejected() {
        PageAges ages = region(8);
        assertThatThrownBy(() -> ages.refaulted(8)).hasMessageContaining("page 8 is outside region 0 (8 pages)");
        assertThatThrownBy(() -> ages.markEvicted(RoaringBitmap.bitmapOf(3, 9)))
                .hasMessageContaining("page 9");
        assertThat(ages.evictedCount()).as("nothing marked before the check").isZero();
    }

    @Test
    void observe_matchesAPerPageReferenceModel_overARandomHistory() {
        int pages = 1000; // not a multiple of 64: exercises the tail word
        PageAges ages = region(pages);
        int[] model = new int[pages];
        boolean[] out = new boolean[pages];
        SplittableRandom random = new SplittableRandom(42);
        for (int cycle = 1; cycle <= 400; cycle++) {
            RoaringBitmap accessed = new RoaringBitmap();
            for (int i = 0; i < 60; i++) {
                accessed.add(random.nextInt(cycle % 50 == 0 ? pages : 200));
            }
            ages.observe(TestEvents.scanAt("vm-a", 0, pages, cycle, cycle, accessed));
            for (int p = 0; p < pages; p++) {
                boolean hit = accessed.contains(p);
                model[p] = hit ? 0 : Math.min(RegionAges.MAX_AGE, model[p] + 1);
                out[p] &= !hit;
            }
            if (cycle % 7 == 0) {
                RoaringBitmap victims = ages.coldest(random.nextInt(50), 1 + random.nextInt(5));
                victims.forEach((int p) -> out[p] = true);
                ages.markEvicted(victims);
            }
            if (cycle % 3 == 0) {
                int p = random.nextInt(pages);
                ages.refaulted(p);
                model[p] = 0;
                out[p] = false;
            }
            assertMatches(ages, model, out, cycle);
        }
    }

    private static void assertMatches(PageAges ages, int[] model, boolean[] out, int cycle) {
        int[] histogram = new int[RegionAges.MAX_AGE + 1];
        RoaringBitmap idle5 = new RoaringBitmap();
        for (int p = 0; p < model.length; p++) {
            if (!out[p]) {
                histogram[model[p]]++;
                if (model[p] >= 5) {
                    idle5.add(p);
                }
            }
        }
        assertThat(ages(ages)).as("ages after cycle %d", cycle).containsExactly(model);
        assertThat(ages.ageHistogram()).as("histogram after cycle %d", cycle).containsExactly(histogram);
        assertThat(ages.idleAtLeast(5)).as("idle >= 5 after cycle %d", cycle).isEqualTo(idle5);
    }

    @Test
    void observe_ofA1GiBRegion_allocatesOnlyAFewBytesPerScan_neverPerPage() {
        int pages = 262_144;
        PageAges ages = region(pages);
        RoaringBitmap accessed = new RoaringBitmap();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < pages / 10; i++) {
            accessed.add(random.nextInt(pages));
        }
        int scans = 300;
        ScanInput[] input = new ScanInput[scans];
        for (int i = 0; i < scans; i++) {
            input[i] = TestEvents.scanAt("vm-a", 0, pages, i + 1, i, accessed);
        }
        for (int i = 0; i < 100; i++) {
            ages.observe(input[i]);
        }
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 100; i < scans; i++) {
            ages.observe(input[i]);
        }
        long perScan = (threads.getCurrentThreadAllocatedBytes() - before) / (scans - 100);
        // The batch iterator is the only per-scan object; one allocation per accessed page would be
        // over 400 KiB per scan.
        assertThat(perScan).isLessThan(2048);
    }

    private static int[] withCounts(int... ageCountPairs) {
        int[] h = new int[RegionAges.MAX_AGE + 1];
        for (int i = 0; i < ageCountPairs.length; i += 2) {
            h[ageCountPairs[i]] = ageCountPairs[i + 1];
        }
        return h;
    }
}
