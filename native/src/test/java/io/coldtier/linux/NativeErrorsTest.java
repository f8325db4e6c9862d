package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors say which call failed, with which errno, in words. */
@Tag("unit")
@Timeout(10)
class NativeErrorsTest {
    @Test
    void nativeException_namesSyscallErrnoAndStrerror() {
        NativeException e = new NativeException("ioctl(UFFDIO_COPY)", Errno.EINVAL);
        assertThat(e).hasMessage("ioctl(UFFDIO_COPY) failed: EINVAL (Invalid argument)");
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.syscall()).isEqualTo("ioctl(UFFDIO_COPY)");
    }

    @Test
    void unknownErrno_isNamedByNumber() {
        assertThat(Errno.name(4095)).isEqualTo("errno 4095");
    }

    @Test
    void missingFeature_describesBitsAndAlternative() {
        MissingKernelFeatureException e = new MissingKernelFeatureException("UFFDIO_RWPROTECT",
                UffdFeature.RWP, 0x1ffff, "use the zap backend");
        assertThat(e).hasMessage("UFFDIO_RWPROTECT needs UFFD_FEATURE_RWP (bit 17), which this kernel does not"
                + " offer (UFFDIO_API features=0x1ffff); use the zap backend");
    }

    @Test
    void featureNames_decodeTheStockWord() {
        assertThat(UffdFeature.names(0x1ffff)).hasSize(17)
                .startsWith("UFFD_FEATURE_PAGEFAULT_FLAG_WP").endsWith("UFFD_FEATURE_MOVE");
        assertThat(UffdFeature.name(40)).isEqualTo("UFFD_FEATURE_BIT_40");
        assertThat(UffdIoctl.names(0x8000000000000003L))
                .containsExactly("UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_API");
    }
}
