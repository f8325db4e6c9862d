package io.coldtier.faultsource;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class PrefetchLedgerTest {
    @Test
    void pagesPrefetchedAfterTheArm_areJudgedOnlyByTheFollowingInterval() {
        FaultMetrics m = new FaultMetrics();
        PrefetchLedger l = new PrefetchLedger(1, m);
        l.prefetched(0, 1);
        l.prefetched(0, 2);
        l.armed(0);
        l.prefetched(0, 3); // present at the coming scan whether touched or not: not judged yet
        assertThat(l.settle(0, RoaringBitmap.bitmapOf(1, 3))).isEqualTo(1);
        assertThat(m.prefetchHits.sum()).isEqualTo(1);
        l.armed(0);
        assertThat(l.settle(0, RoaringBitmap.bitmapOf(1))).as("page 3 untouched in its interval").isZero();
        assertThat(m.prefetchHitRate()).isEqualTo(1.0 / 3);
        assertThat(l.open(0)).isZero();
    }
}
