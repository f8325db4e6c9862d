package io.coldtier.vmm.kvm;

import java.util.List;

/**
 * A snapshot of the whole guest: per-vCPU figures and their totals.
 *
 * @param vcpus    one entry per vCPU, by index
 * @param ops      total operations
 * @param errors   total verification failures
 * @param opsPerSecond sum of the per-vCPU rates over their running periods
 * @param recentOpsPerSecond sum of the per-vCPU rates over the last window
 * @param counters KVM statistics summed over the vCPUs
 * @param path     native or emulated execution, judged from the counters
 */
public record GuestStats(List<VcpuStats> vcpus, long ops, long errors, double opsPerSecond,
                         double recentOpsPerSecond, KvmCounters counters, ExecutionPath path) {
    public GuestStats {
        vcpus = List.copyOf(vcpus);
    }

    public static GuestStats of(List<VcpuStats> vcpus) {
        long ops = 0, errors = 0, reports = 0;
        double rate = 0, recent = 0;
        KvmCounters counters = KvmCounters.UNAVAILABLE;
        for (VcpuStats v : vcpus) {
            ops += v.ops();
            errors += v.errors();
            reports += v.reports();
            rate += v.opsPerSecond();
            recent += v.recentOpsPerSecond();
            counters = counters.plus(v.counters());
        }
        ExecutionPath path = ExecutionPath.classify(ops, reports, counters.available() ? counters.insnEmulation() : -1);
        return new GuestStats(vcpus, ops, errors, rate, recent, counters, path);
    }

    /** Every vCPU has stopped or failed. */
    public boolean finished() {
        return vcpus.stream().allMatch(v -> v.state().finished());
    }

    /**
     * One line for a log or the VMM's console, e.g. {@code NATIVE: 2 vCPUs, 41.2 M ops (23.4 ns/op,
     * 85.3 M ops/s), 0 errors; KVM: 8,300 exits, 190 emulated insns, 8,195 page faults}.
     */
    public String summary() {
        double nsPerOp = opsPerSecond == 0 ? Double.NaN : vcpus.size() * 1e9 / opsPerSecond;
        String kvm = counters.available()
                ? String.format("KVM: %,d exits, %,d emulated insns, %,d page faults", counters.exits(),
                        counters.insnEmulation(), counters.pfTaken())
                : "KVM stats unavailable";
        return String.format("%s: %d vCPU%s, %,d ops (%.1f ns/op per vCPU, %,.0f ops/s), %,d errors; %s",
                path, vcpus.size(), vcpus.size() == 1 ? "" : "s", ops, nsPerOp, opsPerSecond, errors, kvm);
    }
}
