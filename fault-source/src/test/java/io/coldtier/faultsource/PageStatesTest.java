package io.coldtier.faultsource;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class PageStatesTest {
    @Test
    void evictionPath_movesThroughTheProtocol_andCountsPagesOut() {
        PageStates s = new PageStates(4);
        assertThat(s.freeze(1)).isTrue();
        assertThat(s.freeze(1)).as("already frozen").isFalse();
        assertThat(s.beginPunch(1, 1)).isTrue();
        assertThat(s.evictedCount()).isEqualTo(1);
        s.endPunch(1);
        assertThat(s.get(1)).isEqualTo(PageState.EVICTED);
        assertThat(s.beginRefault(1)).isTrue();
        assertThat(s.beginRefault(1)).as("one refill at a time").isFalse();
        s.endRefault(1);
        assertThat(s.get(1)).isEqualTo(PageState.RESIDENT);
        assertThat(s.evictedCount()).isZero();
        assertThat(s.version(1)).isEqualTo(1);
    }

    @Test
    void cancelledVictim_isNeverPunched() {
        PageStates s = new PageStates(4);
        s.freeze(2);
        assertThat(s.cancel(2)).isTrue();
        assertThat(s.beginPunch(2, 1)).isFalse();
        assertThat(s.uncancel(2)).isTrue();
        assertThat(s.get(2)).isEqualTo(PageState.RESIDENT);
        assertThat(s.version(2)).as("no copy became current").isZero();
    }

    @Test
    void versionsNeverRepeat_evenWhenAnEvictionWasCancelled() {
        PageStates s = new PageStates(2);
        s.freeze(0);
        long v1 = s.nextVersion(0);
        s.cancel(0);
        s.uncancel(0);
        s.freeze(0);
        long v2 = s.nextVersion(0);
        assertThat(v2).isGreaterThan(v1);
        assertThat(s.beginPunch(0, v2)).isTrue();
        assertThat(s.version(0)).isEqualTo(v2);
    }

    @Test
    void awaitSettled_returnsOnceThePunchEnds_andFailsOnAStuckPage() throws Exception {
        PageStates s = new PageStates(4);
        s.freeze(0);
        s.beginPunch(0, 1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            s.endPunch(0);
        });
        assertThat(s.awaitSettled(0, Duration.ofSeconds(5))).isEqualTo(PageState.EVICTED);
        t.join();
        s.beginRefault(0);
        assertThatThrownBy(() -> s.awaitSettled(0, Duration.ofMillis(20))).hasMessageContaining("stuck in REFAULTING");
    }

    @Test
    void recover_seedsEvictedPagesAndVersions_soNewCopiesNeverReuseARecoveredVersion() {
        PageStates s = new PageStates(4);
        s.recover(1, 7, true);
        s.recover(2, 5, false);
        assertThat(s.get(1)).isEqualTo(PageState.EVICTED);
        assertThat(s.version(1)).isEqualTo(7);
        assertThat(s.evictedCount()).isEqualTo(1);
        assertThat(s.get(2)).isEqualTo(PageState.RESIDENT);
        assertThat(s.nextVersion(2)).as("resident page with an older stored copy").isEqualTo(6);
        assertThat(s.beginRefault(1)).isTrue();
        s.endRefault(1);
        assertThat(s.evictedCount()).isZero();
        assertThat(s.nextVersion(1)).isEqualTo(8);
        s.freeze(3);
        assertThatThrownBy(() -> s.recover(3, 9, true)).as("only on RESIDENT pages").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void runs_ofABitmap_areMaximalContiguousRanges() {
        List<long[]> runs = new ArrayList<>();
        EvictionExecutor.forEachRun(RoaringBitmap.bitmapOf(1, 2, 3, 7, 9, 10), (f, c) -> runs.add(new long[] {f, c}));
        assertThat(runs).containsExactly(new long[] {1, 3}, new long[] {7, 1}, new long[] {9, 2});
    }
}
