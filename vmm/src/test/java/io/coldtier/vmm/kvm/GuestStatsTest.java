package io.coldtier.vmm.kvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class GuestStatsTest {

    static VcpuStats vcpu(int i, long ops, long errors, long reports, long insnEmulation) {
        KvmCounters c = KvmCounters.of(Map.of("exits", 100L, "insn_emulation", insnEmulation, "pf_taken", 50L,
                "pf_fixed", 50L, "irq_exits", 3L));
        return new VcpuStats(i, VcpuState.RUNNING, ops, errors, 0, -1, reports, 1_000_000, 1_000_000_000L,
                ops, ops, c);
    }

    @Test
    void classify_onlyReportOutsEmulated_isNative() {
        assertThat(ExecutionPath.classify(1_000_000, 20, 20)).isEqualTo(ExecutionPath.NATIVE);
        assertThat(ExecutionPath.classify(1_000_000, 20, 21 + 9_000)).isEqualTo(ExecutionPath.NATIVE);
    }

    @Test
    void classify_emulatedInstructionsPerOp_isEmulated() {
        assertThat(ExecutionPath.classify(1_000_000, 20, 30_000_000)).isEqualTo(ExecutionPath.EMULATED);
        assertThat(ExecutionPath.classify(1_000_000, 20, 20 + 10_000)).isEqualTo(ExecutionPath.EMULATED);
    }

    @Test
    void classify_tooFewOpsOrNoStats_isUnknown() {
        assertThat(ExecutionPath.classify(ExecutionPath.MIN_OPS - 1, 1, 1)).isEqualTo(ExecutionPath.UNKNOWN);
        assertThat(ExecutionPath.classify(1_000_000, 20, -1)).isEqualTo(ExecutionPath.UNKNOWN);
    }

    @Test
    void totals_sumVcpusAndCounters() {
        GuestStats s = GuestStats.of(List.of(vcpu(0, 1_000_000, 1, 10, 10), vcpu(1, 3_000_000, 2, 30, 30)));
        assertThat(s.ops()).isEqualTo(4_000_000);
        assertThat(s.errors()).isEqualTo(3);
        assertThat(s.opsPerSecond()).isEqualTo(4_000_000);
        assertThat(s.counters().exits()).isEqualTo(200);
        assertThat(s.counters().insnEmulation()).isEqualTo(40);
        assertThat(s.counters().all()).containsEntry("pf_taken", 100L);
        assertThat(s.path()).isEqualTo(ExecutionPath.NATIVE);
        assertThat(s.finished()).isFalse();
        assertThat(s.summary()).startsWith("NATIVE: 2 vCPUs, 4,000,000 ops").contains("3 errors").contains("200 exits");
    }

    @Test
    void nanosPerOp_isRunTimeOverOps() {
        assertThat(vcpu(0, 1_000_000, 0, 1, 1).nanosPerOp()).isEqualTo(1000.0);
        assertThat(vcpu(0, 0, 0, 1, 1).nanosPerOp()).isNaN();
    }

    @Test
    void programAndPattern_validateTheirParameters() {
        assertThatThrownBy(() -> GuestProgram.defaults().withVcpus(0)).hasMessageContaining("vcpus");
        assertThatThrownBy(() -> GuestProgram.defaults().withVcpus(65)).hasMessageContaining("vcpus");
        assertThatThrownBy(() -> GuestProgram.defaults().withReportEvery(0)).hasMessageContaining("reportEveryOps");
        assertThatThrownBy(() -> AccessPattern.hotCold(0, 0.5)).hasMessageContaining("hotFraction");
        assertThatThrownBy(() -> AccessPattern.hotCold(0.1, 1.5)).hasMessageContaining("hotAccessFraction");
        assertThatThrownBy(() -> AccessPattern.hotCold().withPhaseOps(-1)).hasMessageContaining("phaseOps");
    }
}
