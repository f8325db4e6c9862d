package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** The probe on this machine (Linux ≥ 6.8, run as root): what it finds and how it decides. */
@Tag("kernel")
@Timeout(60)
class KernelCapabilitiesIT {
    @Test
    void probe_decodesStockFeatures_andChoosesZapForShmemAndHugetlbfs() {
        KernelTests.assumeUserfaultfd();
        KernelCapabilities caps = KernelCapabilities.probe();
        assertThat(caps.features() & 0x1ffffL).as("all stock bits up to MOVE").isEqualTo(0x1ffffL);
        assertThat(caps.featureNames()).contains("UFFD_FEATURE_MISSING_SHMEM", "UFFD_FEATURE_WP_HUGETLBFS_SHMEM",
                "UFFD_FEATURE_MOVE");
        assertThat(caps.apiIoctlNames()).contains("UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_API");
        assertThat(caps.creation()).allMatch(KernelCapabilities.Creation::works);
        assertThat(caps.privilege().root()).isTrue();
        assertThat(caps.supports(TrackingBackend.ZAP, MemoryType.SHMEM)).isTrue();
        assertThat(caps.supports(TrackingBackend.ZAP, MemoryType.HUGETLBFS)).isTrue();
        assertThat(caps.supports(TrackingBackend.ZAP, MemoryType.ANON)).isFalse();
        if ((caps.features() & BackendDecision.RWP_BITS) != BackendDecision.RWP_BITS) {
            assertThat(caps.support(TrackingBackend.RWP, MemoryType.ANON).reason())
                    .contains("UFFD_FEATURE_RWP (bit 17)").contains("UFFD_FEATURE_RWP_ASYNC (bit 18)");
            assertThat(caps.preferred(MemoryType.SHMEM)).contains(TrackingBackend.ZAP);
            assertThat(caps.preferred(MemoryType.ANON)).isEmpty();
        }
    }

    @Test
    void userfaultfd_createdBySyscallOrDevice_offersTheSameFeatures() {
        KernelTests.assumeUserfaultfd();
        KernelTests.assumeKernel(java.nio.file.Files.isReadable(Userfaultfd.DEV_USERFAULTFD),
                "/dev/userfaultfd is not accessible");
        UffdApi viaSyscall = Userfaultfd.probe(UffdOpenMode.SYSCALL);
        UffdApi viaDevice = Userfaultfd.probe(UffdOpenMode.DEV_USERFAULTFD);
        UffdApi userOnly = Userfaultfd.probe(UffdOpenMode.SYSCALL_USER_MODE_ONLY);
        assertThat(viaDevice).isEqualTo(viaSyscall);
        assertThat(userOnly.features()).isEqualTo(viaSyscall.features());
        try (Userfaultfd u = Userfaultfd.open(UffdOpenMode.DEV_USERFAULTFD, UffdFeature.MISSING_SHMEM,
                UffdFeature.THREAD_ID | UffdFeature.RWP)) {
            long expected = UffdFeature.MISSING_SHMEM | UffdFeature.THREAD_ID
                    | (viaSyscall.hasRwp() ? UffdFeature.RWP : 0);
            assertThat(u.api().features()).as("only offered optional bits are requested").isEqualTo(expected);
            assertThat(Userfaultfd.readFdinfo(u.fd()).features()).isEqualTo(expected);
        }
    }
}
