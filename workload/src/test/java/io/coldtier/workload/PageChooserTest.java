package io.coldtier.workload;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(30)
class PageChooserTest {
    private static final long PAGES = 1003; // not a multiple of the thread count: a partial last row

    @Test
    void hotCold_picksOnlyOwnPages_andHotShareOfThemHot() {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(3);
        HotSetGeometry g = HotSetGeometry.of(PAGES, spec);
        for (int t = 0; t < 3; t++) {
            PageChooser chooser = new PageChooser(g, t, spec);
            SplittableRandom rng = new SplittableRandom(t);
            int hot = 0;
            int n = 100_000;
            for (int i = 0; i < n; i++) {
                long page = chooser.next(rng, 0);
                assertThat(page).isBetween(0L, PAGES - 1);
                assertThat(page % 3).as("owner of page %d", page).isEqualTo(t);
                hot += g.isHot(page, 0) ? 1 : 0;
            }
            assertThat((double) hot / n).isBetween(0.88, 0.92);
        }
    }

    @Test
    void hotSet_isOneContiguousBlockOfAboutHotFraction() {
        HotSetGeometry g = HotSetGeometry.of(PAGES, WorkloadSpec.defaults().withThreads(3));
        RoaringBitmap hot = g.hotSet(0);

        assertThat(hot.getCardinality()).isBetween(99, 102);
        assertThat(hot.last() - hot.first() + 1).isEqualTo(hot.getCardinality());
        hot.forEach((int p) -> assertThat(g.isHot(p, 0)).isTrue());
    }

    @Test
    void phaseChange_movesTheHotSetToADisjointBlock() {
        HotSetGeometry g = HotSetGeometry.of(PAGES, WorkloadSpec.defaults().withThreads(3));

        assertThat(RoaringBitmap.and(g.hotSet(0), g.hotSet(1)).isEmpty()).isTrue();
        assertThat(g.hotSet(1).first()).isEqualTo(g.hotSet(0).last() + 1);
    }

    @Test
    void sequentialSweep_visitsOwnPagesInOrder_andWraps() {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(4).withPattern(WorkloadSpec.Pattern.SEQUENTIAL_SWEEP);
        HotSetGeometry g = HotSetGeometry.of(PAGES, spec);
        PageChooser chooser = new PageChooser(g, 3, spec);
        SplittableRandom rng = new SplittableRandom(0);
        long own = (PAGES - 3 + 3) / 4; // pages 3, 7, ..., 999: 250 of them
        for (long i = 0; i < own; i++) {
            assertThat(chooser.next(rng, 0)).isEqualTo(3 + 4 * i);
        }
        assertThat(chooser.next(rng, 0)).as("wraps").isEqualTo(3);
    }

    @Test
    void zipfWithinHotSet_concentratesOnItsFirstRows() {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(1).withHotShare(1.0).withZipfSkew(1.2);
        HotSetGeometry g = HotSetGeometry.of(10_000, spec);
        PageChooser chooser = new PageChooser(g, 0, spec);
        SplittableRandom rng = new SplittableRandom(5);
        int firstTen = 0;
        for (int i = 0; i < 10_000; i++) {
            firstTen += chooser.next(rng, 0) < 10 ? 1 : 0;
        }
        assertThat(firstTen).isGreaterThan(5_000);
    }
}
