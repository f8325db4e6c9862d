package io.coldtier.demo;

import io.coldtier.report.RunRecording.CycleSample;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoConfigTest {
    /** The defaults without the KVM probe (a unit test touches no device). */
    private static DemoConfig config() {
        return new DemoConfig("vm-demo", "kvm", 1L << 30, 1, "hot-cold", 0.02, 1.0, Duration.ofSeconds(90),
                Duration.ofSeconds(10), "idle-age:cycles=3", Duration.ofSeconds(1), Path.of("out"), null, null, 3,
                false);
    }

    @Test
    void defaults_areValid_andDescribeThemselves() {
        DemoConfig c = config();
        assertThat(c.pages()).isEqualTo(262_144);
        assertThat(c.describe()).contains("kvm guest 1024 MiB", "1 vCPU,", "hot 2.0 %", "phase change midway",
                "idle-age:cycles=3", "cycle 1 s");
    }

    @Test
    void badSettings_areNamed() {
        assertThatThrownBy(() -> config().withGuest("qemu")).hasMessageContaining("--guest must be kvm or threads");
        assertThatThrownBy(() -> config().withGuestSize(3L << 20)).hasMessageContaining("multiple of 2 MiB");
        assertThatThrownBy(() -> config().withPattern("zigzag")).hasMessageContaining("--pattern");
        assertThatThrownBy(() -> config().withCycle(Duration.ofSeconds(90))).hasMessageContaining("shorter than");
        assertThatThrownBy(() -> config().withHotSet(0, 1)).hasMessageContaining("--hot-fraction");
        assertThatThrownBy(() -> config().withPolicy("lru")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void units_parseWhatPeopleType() {
        assertThat(Units.size("--guest-size", "1g")).isEqualTo(1L << 30);
        assertThat(Units.size("--guest-size", "256MiB")).isEqualTo(256L << 20);
        assertThat(Units.duration("--duration", "90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Units.duration("--cycle", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Units.duration("--duration", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> Units.duration("--duration", "soon")).hasMessageContaining("--duration 'soon'");
        assertThat(Units.format(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Units.si(20_300_000)).isEqualTo("20.30M");
    }

    @Test
    void plainViewLine_isOneLogfmtLinePerCycle() {
        CycleSample s = new CycleSample(7, 7.5, 6000, 256144, 10, 5200, 12, 0, 12.0, 25.4, 130.2, 0.0, 2.1e7, 0);
        assertThat(LiveView.line(s, 2.2e7, 2.1 / 2.2)).isEqualTo("cycle=7 t=7.5 resident=6000 evicted=256144 zero=10"
                + " working_set=5200 refaults_per_s=12 refault_p50_us=25 refault_p99_us=130 evict_mb_per_s=0.0"
                + " guest_ops_per_s=21000000 baseline_ops_per_s=22000000 ratio=0.955 lost_writes=0");
    }
}
