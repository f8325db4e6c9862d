package io.coldtier.vmm.kvm;

/**
 * One vCPU as of its last report, plus its KVM counters as of the call.
 *
 * @param vcpu               index
 * @param state              lifecycle state
 * @param ops                operations the guest counted (each: pick a page, verify, write)
 * @param errors             touches that found a page with the wrong contents (each corruption
 *                           counts once: the guest repairs the page and carries on)
 * @param phase              hot-set phase (hot-cold pattern with phase changes), else 0
 * @param lastBadGpa         GPA of the last page that failed verification, -1 if none
 * @param reports            report exits the host handled
 * @param initNanos          time from the first KVM_RUN to "slice initialised" (first touches)
 * @param runNanos           time from "slice initialised" to the last report
 * @param opsPerSecond       ops / runNanos: guest throughput measured by the guest's own count
 * @param recentOpsPerSecond over the last ~200 ms window (0 until one window has passed)
 * @param counters           KVM statistics of this vCPU
 */
public record VcpuStats(int vcpu, VcpuState state, long ops, long errors, long phase, long lastBadGpa,
                        long reports, long initNanos, long runNanos, double opsPerSecond,
                        double recentOpsPerSecond, KvmCounters counters) {

    /** Nanoseconds per operation over the running period (NaN before the first report). */
    public double nanosPerOp() {
        return ops == 0 ? Double.NaN : (double) runNanos / ops;
    }
}
