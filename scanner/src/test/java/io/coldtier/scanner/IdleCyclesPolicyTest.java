package io.coldtier.scanner;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class IdleCyclesPolicyTest {
    static ScanResult scan(long cycle, int... accessed) {
        return new ScanResult(0, cycle, Instant.EPOCH, Instant.EPOCH, 8, RoaringBitmap.bitmapOf(accessed));
    }

    @Test
    void pagesIdleForNCycles_becomeVictims_touchedOnesNever() {
        IdleCyclesPolicy p = new IdleCyclesPolicy(new long[] {8}, 2, 100);
        assertThat(p.decide(scan(1, 0, 1), q -> true)).isEqualTo(new RoaringBitmap());
        assertThat(p.decide(scan(2, 0), q -> true)).isEqualTo(RoaringBitmap.bitmapOf(2, 3, 4, 5, 6, 7));
        assertThat(p.age(0, 1)).isEqualTo(1);
        assertThat(p.decide(scan(3, 0), q -> true)).isEqualTo(RoaringBitmap.bitmapOf(1, 2, 3, 4, 5, 6, 7));
    }

    @Test
    void budget_takesTheOldestFirst_andIgnoresPagesAlreadyOut() {
        IdleCyclesPolicy p = new IdleCyclesPolicy(new long[] {8}, 1, 3);
        p.decide(scan(1, 4, 5, 6, 7), q -> true);           // 0-3 idle 1
        RoaringBitmap v = p.decide(scan(2, 6, 7), q -> true); // 0-3 idle 2, 4-5 idle 1
        assertThat(v).isEqualTo(RoaringBitmap.bitmapOf(0, 1, 2));
        // 0-2 are out now: they neither count against the budget nor get named again
        RoaringBitmap next = p.decide(scan(3, 6, 7), q -> q > 2);
        assertThat(next).isEqualTo(RoaringBitmap.bitmapOf(3, 4, 5));
    }

    @Test
    void refault_resetsTheAge() {
        IdleCyclesPolicy p = new IdleCyclesPolicy(new long[] {8}, 1, 100);
        p.decide(scan(1), q -> true);
        p.refaulted(0, 3);
        assertThat(p.age(0, 3)).isZero();
        assertThat(p.age(0, 4)).isEqualTo(1);
    }
}
