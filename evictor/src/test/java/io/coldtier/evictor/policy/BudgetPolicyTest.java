package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;
import io.coldtier.evictor.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import static io.coldtier.evictor.TestEvents.range;
import static io.coldtier.evictor.TestEvents.scan;
import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class BudgetPolicyTest {
    private static Decision apply(VmState vm, ScanInput scan) {
        vm.observe(scan);
        Decision d = vm.policy().decide(vm, scan.region(), scan);
        vm.pageAges(scan.region()).markEvicted(d.victims());
        return d;
    }

    private static VmState vm(String spec) {
        return new VmState("vm-a", Policies.create(spec));
    }

    /** Ten pages aged 0 0 1 1 1 3 3 3 3 3 after three scans. */
    private static Decision agedTenPages(VmState vm) {
        apply(vm, scan(10, 1, range(0, 10).toArray()));
        vm.observe(scan(10, 2));
        vm.observe(scan(10, 3, 0, 1, 2, 3, 4));
        return apply(vm, scan(10, 4, 0, 1));
    }

    @Test
    void percent_overBudget_evictsTheColdestFirst_thenLowestPagesOnTies() {
        VmState vm = vm("budget:resident=40%");
        Decision d = agedTenPages(vm);
        // 10 resident, 4 allowed: the five age-3 pages, then the lowest of the age-1 pages.
        assertThat(d.victims()).isEqualTo(RoaringBitmap.bitmapOf(2, 5, 6, 7, 8, 9));
        assertThat(d.minAge()).isEqualTo(1);
        assertThat(d.victimAges()[3]).isEqualTo(5);
        assertThat(d.victimAges()[1]).isEqualTo(1);
        assertThat(d.reason()).startsWith("over budget by 6 pages: 10 resident pages vs 4 allowed (40%)");
    }

    @Test
    void percent_underBudget_evictsNothing() {
        VmState vm = vm("budget:resident=40%");
        agedTenPages(vm);
        Decision next = apply(vm, scan(10, 5, 0));
        assertThat(next.victims().isEmpty()).isTrue();
        assertThat(next.reason()).isEqualTo("under budget: 4 resident pages vs 4 allowed (40%)");
    }

    @Test
    void percent_withDecimals_roundsTheAllowanceDown() {
        VmState vm = vm("budget:resident=12.5%");
        apply(vm, scan(8, 1));
        assertThat(vm.pageAges(0).residentCount()).isEqualTo(1);
    }

    @Test
    void budget_neverEvictsPagesAccessedInTheLastScan_evenIfStillOver() {
        VmState vm = vm("budget:resident=0%");
        Decision d = apply(vm, scan(6, 1, 0, 1));
        assertThat(d.victims()).isEqualTo(RoaringBitmap.bitmapOf(2, 3, 4, 5));
        assertThat(d.reason()).contains("only 4 pages were idle");
        assertThat(vm.pageAges(0).residentCount()).isEqualTo(2);
    }

    @Test
    void bytes_keepTheVmUnderTheByteTarget() {
        VmState vm = vm("budget:resident=32KiB");
        apply(vm, scan(16, 1, 0, 1, 2));
        // 16 pages of 4 KiB, 8 allowed: evict 8 of the 13 idle pages, lowest first among equal ages.
        assertThat(vm.pageAges(0).residentCount()).isEqualTo(8);
        assertThat(vm.pageAges(0).isEvicted(3)).isTrue();
        assertThat(vm.pageAges(0).isEvicted(11)).isFalse();
        assertThat(apply(vm, scan(16, 2, 0)).victims().isEmpty()).isTrue();
    }

    @Test
    void bytes_areAVmWideBudget_takenFromTheScannedRegion() {
        VmState vm = vm("budget:resident=40KiB");
        apply(vm, scan("vm-a", 0, 8, 1, 0));
        assertThat(vm.residentBytes()).as("one region of 32 KiB: under budget").isEqualTo(32 * 1024);
        Decision d = apply(vm, scan("vm-a", 1, 8, 1, 0));
        // 64 KiB resident across both regions, 40 KiB allowed: 6 pages from region 1.
        assertThat(d.victims()).isEqualTo(range(1, 7));
        assertThat(vm.residentBytes()).isEqualTo(40 * 1024);
        assertThat(vm.pageAges(0).residentCount()).isEqualTo(8);
    }
}
