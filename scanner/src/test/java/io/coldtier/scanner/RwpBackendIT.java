package io.coldtier.scanner;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.MissingKernelFeatureException;
import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** On a kernel without RWP the rwp backend refuses loudly, naming the bits; it never degrades. */
@Tag("kernel")
@Timeout(30)
class RwpBackendIT {
    @Test
    void rwpBackend_withoutRwpBits_failsNamingThem_insteadOfDegrading() {
        KernelTestSupport.assumeUserfaultfd();
        Assumptions.assumeFalse(Userfaultfd.probe(UffdOpenMode.SYSCALL).hasRwp(), "this kernel has RWP");
        assertThatThrownBy(() -> GuestMemory.create(List.of(RegionSpec.local(0, 1 << 20, 4096)), Registration.RWP))
                .isInstanceOf(MissingKernelFeatureException.class)
                .hasMessageContaining("UFFD_FEATURE_RWP (bit 17)").hasMessageContaining("UFFD_FEATURE_RWP_ASYNC (bit 18)");
        try (GuestMemory zapMemory = GuestMemory.create(List.of(RegionSpec.local(0, 1 << 20, 4096)), Registration.ZAP)) {
            assertThatThrownBy(() -> new RwpTracker(zapMemory))
                    .isInstanceOf(MissingKernelFeatureException.class)
                    .hasMessageContaining("rwp tracking backend")
                    .satisfies(e -> org.assertj.core.api.Assertions.assertThat(
                            ((MissingKernelFeatureException) e).missingFeatures())
                            .isEqualTo(UffdFeature.RWP | UffdFeature.RWP_ASYNC));
        }
    }
}
