package io.coldtier.evictor.policy;

import io.coldtier.evictor.FaultKind;
import io.coldtier.evictor.PageAges;
import io.coldtier.evictor.ScanInput;
import io.coldtier.evictor.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static io.coldtier.evictor.TestEvents.fault;
import static io.coldtier.evictor.TestEvents.range;
import static io.coldtier.evictor.TestEvents.scanAt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 2000-page region whose first 1000 pages are touched every scan (working set 1000, so the
 * 0.2 %/min target allows 2 refaults per minute) and whose other 1000 pages are idle.
 */
@Tag("unit")
@Timeout(10)
class RefaultSloPolicyTest {
    private static final long SECOND = 1_000_000L;
    private final RefaultSloPolicy policy = new RefaultSloPolicy(new BigDecimal("0.2"), 2, 20);
    private final VmState vm = new VmState("vm-a", policy);
    private final PageAges ages;
    private long cycle;
    private int nextRefault = 1000;

    RefaultSloPolicyTest() {
        scanAndEvict(0);
        ages = vm.pageAges(0);
    }

    private Decision scanAndEvict(long second) {
        ScanInput scan = scanAt("vm-a", 0, 2000, ++cycle, second * SECOND, range(0, 1000));
        vm.observe(scan);
        Decision d = policy.decide(vm, 0, scan);
        vm.pageAges(0).markEvicted(d.victims());
        return d;
    }

    private void refaultOneEvictedPage(long second) {
        while (!ages.isEvicted(nextRefault)) {
            nextRefault = nextRefault == 1999 ? 1000 : nextRefault + 1;
        }
        vm.onFault(fault("vm-a", 0, cycle, second * SECOND, FaultKind.REFAULT, nextRefault));
    }

    @Test
    void quiet_lowersTheThresholdByOneAMinute_downToMinOnly() {
        assertThat(policy.threshold()).as("starts conservative").isEqualTo(20);
        List<Integer> history = new ArrayList<>();
        for (long s = 10; s <= 30 * 60; s += 10) {
            scanAndEvict(s);
            history.add(policy.threshold());
        }
        assertThat(history).isSortedAccordingTo((a, b) -> b - a);
        assertThat(history.get(5)).as("after one minute").isEqualTo(19);
        assertThat(history.get(11)).as("after two minutes").isEqualTo(18);
        assertThat(history.getLast()).isEqualTo(2);
        assertThat(history).allMatch(t -> t >= 2);
    }

    @Test
    void heavyRefaults_raiseTheThresholdFast_upToMaxOnly() {
        for (long s = 10; s <= 30 * 60; s += 10) {
            scanAndEvict(s);
        }
        assertThat(policy.threshold()).isEqualTo(2);
        List<Integer> history = new ArrayList<>();
        for (long s = 30 * 60 + 10; s <= 40 * 60; s += 10) {
            for (int i = 0; i < 5; i++) {
                refaultOneEvictedPage(s - 5);
            }
            Decision d = scanAndEvict(s);
            history.add(policy.threshold());
            assertThat(d.minAge()).isEqualTo(policy.threshold());
        }
        assertThat(history.subList(0, 8)).containsExactly(3, 4, 6, 9, 13, 19, 20, 20);
        assertThat(history).allMatch(t -> t <= 20);
        assertThat(vm.refaultRatePerMinute(40 * 60 * SECOND)).isEqualTo(30 / 1000.0);
    }

    @Test
    void refaultsBetweenHalfAndFullBudget_holdTheThreshold() {
        ages.markEvicted(range(1000, 2000));
        for (long s = 10; s <= 10 * 60; s += 10) {
            if (s % 60 == 30) {
                refaultOneEvictedPage(s);
            }
            scanAndEvict(s);
            assertThat(policy.threshold()).as("at %d s", s).isEqualTo(20);
        }
    }

    @Test
    void decide_evictsPagesIdleForAtLeastTheCurrentThreshold() {
        long s = 0;
        Decision d;
        do {
            s += 10;
            d = scanAndEvict(s);
            int idleAge = ages.age(1500);
            assertThat(d.victims().isEmpty()).as("idle pages %d scans old at T=%d", idleAge, d.minAge())
                    .isEqualTo(idleAge < policy.threshold());
        } while (d.victims().isEmpty());
        // Quiet for 170 s: T went 20 → 19 (60 s) → 18 (120 s), and the idle pages reached age 18.
        assertThat(s).isEqualTo(170);
        assertThat(d.minAge()).isEqualTo(18);
        assertThat(d.victims()).isEqualTo(range(1000, 2000));
        assertThat(d.victimAges()[18]).isEqualTo(1000);
        assertThat(d.reason()).isEqualTo("T=18: refaults 0.000%/min of a 1000-page working set vs target "
                + "0.2%/min; 1000 pages idle >= T");
    }
}
