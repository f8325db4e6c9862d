package io.coldtier.scanner;

import io.coldtier.linux.BackendDecision;
import io.coldtier.linux.KernelCapabilities;
import io.coldtier.linux.MemoryType;
import io.coldtier.linux.TrackingBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backend selection against recorded capability sets (stock 6.18 and an RWP kernel). */
@Tag("unit")
@Timeout(10)
class TrackersTest {
    static KernelCapabilities caps(long features, boolean accessed) {
        return new KernelCapabilities("test", features, List.of(), 0, List.of(), List.of(),
                new KernelCapabilities.Privilege(true, 0, true), true, accessed,
                new KernelCapabilities.HugePages(2048, 0, 0), new KernelCapabilities.Kvm(false, false, 0, ""),
                BackendDecision.decide(features, null, true, accessed));
    }

    @Test
    void stockKernel_picksZapForShmem_andRefusesAnonWithBothReasons() {
        KernelCapabilities stock = caps(0x1ffffL, false);
        assertThat(Trackers.select(stock, MemoryType.SHMEM, Optional.empty())).isEqualTo(TrackingBackend.ZAP);
        assertThatThrownBy(() -> Trackers.select(stock, MemoryType.ANON, Optional.empty()))
                .hasMessageContaining("no tracking backend can track anon")
                .hasMessageContaining("UFFD_FEATURE_RWP (bit 17)");
    }

    @Test
    void explicitRwp_onStockKernel_failsWithTheKernelsReason() {
        assertThatThrownBy(() -> Trackers.select(caps(0x1ffffL, false), MemoryType.SHMEM, Optional.of(TrackingBackend.RWP)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tracking backend rwp cannot track shmem/memfd memory here: kernel lacks "
                        + "UFFD_FEATURE_RWP (bit 17) and UFFD_FEATURE_RWP_ASYNC (bit 18)");
    }

    @Test
    void rwpKernel_prefersRwp_butHonoursAnExplicitZap() {
        KernelCapabilities rwp = caps(0x7ffffL, true);
        assertThat(Trackers.select(rwp, MemoryType.SHMEM, Optional.empty())).isEqualTo(TrackingBackend.RWP);
        assertThat(Trackers.select(rwp, MemoryType.ANON, Optional.empty())).isEqualTo(TrackingBackend.RWP);
        assertThat(Trackers.select(rwp, MemoryType.SHMEM, Optional.of(TrackingBackend.ZAP))).isEqualTo(TrackingBackend.ZAP);
    }
}
