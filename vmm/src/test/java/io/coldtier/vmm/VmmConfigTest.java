package io.coldtier.vmm;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VmmConfigTest {
    @Test
    void flags_parseWithDefaults() {
        VmmConfig c = VmmConfig.fromFlags(VmmMain.parse(new String[] {"--agent-socket", "/run/a.sock", "--vm-id", "vm-1",
            "--guest-size=64m", "--duration", "15s", "--think-time", "250us", "--zap", "off"}));
        assertThat(c.agentSocket()).isEqualTo(Path.of("/run/a.sock"));
        assertThat(c.guest()).isEqualTo(VmmConfig.GuestKind.THREADS);
        assertThat(c.guestSize()).isEqualTo(64L << 20);
        assertThat(c.duration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.thinkTime()).isEqualTo(Duration.ofNanos(250_000));
        assertThat(c.serveZap()).isFalse();
        assertThat(c.registerSelf()).isTrue();
        assertThat(c.threads()).isEqualTo(2);
        assertThat(c.pattern()).isEqualTo(VmmConfig.Pattern.HOT_COLD);
        assertThat(c.report()).isNull();
    }

    @Test
    void demoFlags_baselineHotAccessAndPhase_parse_andMidwayNeedsABaseline() {
        VmmConfig c = VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "baseline", "8s", "hot-access",
                "1.0", "phase-ops", "midway"));
        assertThat(c.baseline()).isEqualTo(Duration.ofSeconds(8));
        assertThat(c.hotAccessFraction()).isEqualTo(1.0);
        assertThat(c.phaseOps()).isEqualTo(VmmConfig.PHASE_MIDWAY);
        assertThat(c.withPhaseOps(1000).phaseOps()).isEqualTo(1000);
        VmmConfig d = VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v"));
        assertThat(d.baseline()).isZero();
        assertThat(d.hotAccessFraction()).isEqualTo(0.9);
        assertThat(d.phaseOps()).isEqualTo(VmmConfig.DEFAULT_PHASE_OPS);
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "phase-ops",
                "midway"))).hasMessageContaining("--phase-ops midway needs --baseline");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "hot-access", "2")))
                .hasMessageContaining("--hot-access 2.0 must be in [0, 1]");
        assertThat(BaselineRun.parseOpsPerSecond("vmm v: baseline ops_per_s=123.5 seconds=8.00", BaselineRun.BEFORE))
                .isEqualTo(123.5);
        assertThat(BaselineRun.parseOpsPerSecond("vmm v: baseline-after ops_per_s=99.0 seconds=8.00",
                BaselineRun.BEFORE)).isNaN();
    }

    @Test
    void badFlags_areNamed() {
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("vm-id", "v"))).hasMessage("missing --agent-socket");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "guest-size", "3m")))
                .hasMessageContaining("--guest-size 3145728 must be a positive multiple of 2 MiB");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "guest", "qemu")))
                .hasMessageContaining("--guest must be threads or kvm");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "a/b")))
                .hasMessageContaining("--vm-id must be non-empty and without '/'");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "vcpus", "2")))
                .hasMessageContaining("unknown flag --vcpus");
        assertThatThrownBy(() -> VmmConfig.fromFlags(Map.of("agent-socket", "/s", "vm-id", "v", "duration", "soon")))
                .hasMessageContaining("--duration 'soon' is not a duration");
        assertThatThrownBy(() -> VmmMain.parse(new String[] {"--vm-id"})).hasMessageContaining("needs a value");
    }

    @Test
    void report_isOneJsonLine_withTheFiguresTheTestsRead() {
        VmmReport r = new VmmReport(true, "vm-1", "threads", 64L << 20, 2, 15.0004, 1000, 500, 500, 66.66, 0, 0, 2, 1,
                42, 7, List.of(), List.of(), null);
        String json = r.toJson();
        assertThat(json).doesNotContain("\n");
        var n = VmmReport.parse(json);
        assertThat(n.get("ops_per_s").doubleValue()).isEqualTo(66.7);
        assertThat(n.get("data_errors").longValue()).isZero();
        assertThat(n.get("recovered_pages").longValue()).isEqualTo(42);
        assertThat(n.has("failure")).isFalse();
    }
}
