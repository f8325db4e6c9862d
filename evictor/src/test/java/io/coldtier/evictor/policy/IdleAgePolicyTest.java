package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;
import io.coldtier.evictor.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import static io.coldtier.evictor.TestEvents.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class IdleAgePolicyTest {
    private final VmState vm = new VmState("vm-a", new IdleAgePolicy(3));

    private Decision apply(ScanInput scan) {
        vm.observe(scan);
        return vm.policy().decide(vm, scan.region(), scan);
    }

    @Test
    void decide_evictsPagesIdleForAtLeastNScans_andNothingYounger() {
        assertThat(apply(scan(8, 1, 0, 1, 2, 3)).victims()).isEqualTo(new RoaringBitmap());
        assertThat(apply(scan(8, 2, 0, 1)).victims()).isEqualTo(new RoaringBitmap());
        // ages now: 0 0 1 1 2 2 2 2 → after cycle 3 (page 0 touched): 0 1 2 2 3 3 3 3
        Decision d = apply(scan(8, 3, 0));
        assertThat(d.victims()).isEqualTo(RoaringBitmap.bitmapOf(4, 5, 6, 7));
        assertThat(d.minAge()).isEqualTo(3);
        assertThat(d.policy()).isEqualTo("idle-age");
        assertThat(d.victimAges()[3]).isEqualTo(4);
        assertThat(d.reason()).isEqualTo("idle >= 3 scans: 4 of 8 resident pages");
    }

    @Test
    void decide_skipsPagesAlreadyEvicted() {
        apply(scan(8, 1));
        apply(scan(8, 2));
        vm.pageAges(0).markEvicted(RoaringBitmap.bitmapOf(0, 1));
        assertThat(apply(scan(8, 3, 7)).victims()).isEqualTo(RoaringBitmap.bitmapOf(2, 3, 4, 5, 6));
    }

    @Test
    void constructor_rejectsThresholdsOutsideOneTo255() {
        assertThatThrownBy(() -> new IdleAgePolicy(0)).hasMessageContaining("1..255");
        assertThatThrownBy(() -> new IdleAgePolicy(256)).hasMessageContaining("1..255");
    }
}
