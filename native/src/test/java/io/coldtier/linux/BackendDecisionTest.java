package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Backend selection from recorded feature words, without the kernels that produce them. */
@Tag("unit")
@Timeout(10)
class BackendDecisionTest {
    static final long STOCK_6_18 = 0x1ffffL;
    static final long RWP_KERNEL = 0x7ffffL;

    static BackendSupport find(List<BackendSupport> all, TrackingBackend b, MemoryType m) {
        return all.stream().filter(s -> s.backend() == b && s.memory() == m).findFirst().orElseThrow();
    }

    @Test
    void stockKernel_offersZapForShmemAndHugetlbfs_andNamesTheMissingRwpBits() {
        List<BackendSupport> d = BackendDecision.decide(STOCK_6_18, null, true, false);
        for (MemoryType m : MemoryType.values()) {
            BackendSupport rwp = find(d, TrackingBackend.RWP, m);
            assertThat(rwp.available()).isFalse();
            assertThat(rwp.reason()).isEqualTo(
                    "kernel lacks UFFD_FEATURE_RWP (bit 17) and UFFD_FEATURE_RWP_ASYNC (bit 18)");
        }
        assertThat(find(d, TrackingBackend.ZAP, MemoryType.SHMEM).available()).isTrue();
        assertThat(find(d, TrackingBackend.ZAP, MemoryType.HUGETLBFS).available()).isTrue();
        BackendSupport anon = find(d, TrackingBackend.ZAP, MemoryType.ANON);
        assertThat(anon.available()).isFalse();
        assertThat(anon.reason()).contains("needs rwp").contains("UFFD_FEATURE_RWP (bit 17)");
    }

    @Test
    void rwpKernel_offersRwpForEveryMemoryType_onlyWithPageIsAccessed() {
        List<BackendSupport> d = BackendDecision.decide(RWP_KERNEL, null, true, true);
        for (MemoryType m : MemoryType.values()) {
            assertThat(find(d, TrackingBackend.RWP, m).available()).as(m.label()).isTrue();
        }
        List<BackendSupport> noAccessed = BackendDecision.decide(RWP_KERNEL, null, true, false);
        assertThat(find(noAccessed, TrackingBackend.RWP, MemoryType.SHMEM).reason()).contains("PAGE_IS_ACCESSED");
    }

    @Test
    void rwpWithoutRwpAsync_isRefused_namingOnlyTheAbsentBit() {
        List<BackendSupport> d = BackendDecision.decide(STOCK_6_18 | UffdFeature.RWP, null, true, true);
        assertThat(find(d, TrackingBackend.RWP, MemoryType.SHMEM).reason())
                .isEqualTo("kernel lacks UFFD_FEATURE_RWP_ASYNC (bit 18)");
    }

    @Test
    void kernelWithoutPagemapScan_offersNoBackend() {
        List<BackendSupport> d = BackendDecision.decide(STOCK_6_18, null, false, false);
        assertThat(d).noneMatch(BackendSupport::available);
        assertThat(find(d, TrackingBackend.ZAP, MemoryType.SHMEM).reason()).contains("PAGEMAP_SCAN");
    }

    @Test
    void noUsableUserfaultfd_isTheReasonForEveryBackend() {
        List<BackendSupport> d = BackendDecision.decide(0, "no userfaultfd", true, false);
        assertThat(find(d, TrackingBackend.ZAP, MemoryType.SHMEM).reason()).isEqualTo("no userfaultfd");
        assertThat(find(d, TrackingBackend.RWP, MemoryType.HUGETLBFS).reason()).isEqualTo("no userfaultfd");
    }

    @Test
    void zapOnOldKernelWithoutShmemWp_namesTheMissingBit() {
        long noWpShmem = STOCK_6_18 & ~UffdFeature.WP_HUGETLBFS_SHMEM;
        List<BackendSupport> d = BackendDecision.decide(noWpShmem, null, true, false);
        assertThat(find(d, TrackingBackend.ZAP, MemoryType.SHMEM).reason())
                .isEqualTo("kernel lacks UFFD_FEATURE_WP_HUGETLBFS_SHMEM (bit 12)");
    }
}
