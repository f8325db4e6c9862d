package io.coldtier.workload;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@Tag("unit")
@Timeout(10)
class WorkloadSpecTest {

    @Test
    void withCopies_changeOnlyTheirField() {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(8).withPhaseChangeAfter(Duration.ofSeconds(1));

        assertThat(spec.threads()).isEqualTo(8);
        assertThat(spec.phaseChangeAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(spec.hotFraction()).isEqualTo(WorkloadSpec.defaults().hotFraction());
    }

    @Test
    void outOfRangeFields_areRejected() {
        WorkloadSpec d = WorkloadSpec.defaults();
        assertThatIllegalArgumentException().isThrownBy(() -> d.withThreads(0));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withHotFraction(0));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withHotShare(1.5));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withReadFraction(Double.NaN));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withZipfSkew(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withThinkTimeNanos(-1));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withPattern(null));
        assertThatIllegalArgumentException().isThrownBy(() -> d.withPhaseChangeAfter(Duration.ZERO));
    }

    @Test
    void guestPages_rejectUnalignedBase_andOtherPageSizes() {
        assertThatIllegalArgumentException().isThrownBy(() -> new GuestPages(4097, 1, 4096));
        assertThatIllegalArgumentException().isThrownBy(() -> new GuestPages(8192, 1, 8192));
        assertThatIllegalArgumentException().isThrownBy(() -> new GuestPages(4096, 1, GuestPages.HUGE_PAGE));
        assertThat(new GuestPages(1L << 21, 4, GuestPages.HUGE_PAGE).address(3)).isEqualTo((1L << 21) * 4);
    }
}
