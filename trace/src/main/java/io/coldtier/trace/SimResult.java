package io.coldtier.trace;

import java.util.List;

/**
 * One policy's replay outcome.
 *
 * @param savedMeanPercent     mean of memory saved (% of all regions' bytes), sampled after every applied scan
 * @param savedP5Percent       its 5th percentile: 95 % of the samples saved at least this much
 * @param savedAtSeconds       sample times, seconds since the trace's first record
 * @param savedPercent         the samples
 * @param refaultRateMean      mean over minutes of refaults per minute as % of the working set
 * @param refaultRateMax       the worst minute
 * @param minutes              minute index since the first record, per minute
 * @param refaultRatePerMinute refaults in that minute as % of the working set at its end
 * @param sloViolations        applied scans after which the VM's last-minute refaults exceeded the SLO
 * @param violationCycles      their {@code vmId/region/cycle}, the first {@link Simulator#MAX_VIOLATIONS_KEPT}
 * @param nanos                time spent in the simulator (mapping, evictor, residency model)
 */
public record SimResult(String policy, double sloPercentPerMinute, long scans, long faults, long rejected,
                        long pageStates, long commands, long pagesCommanded, long refaults,
                        double savedMeanPercent, double savedP5Percent, double[] savedAtSeconds, double[] savedPercent,
                        double refaultRateMean, double refaultRateMax, double[] minutes, double[] refaultRatePerMinute,
                        long sloViolations, List<String> violationCycles, long nanos) {

    /** Page-states per second of simulator time. */
    public double pageStatesPerSecond() {
        return nanos == 0 ? 0 : pageStates * 1e9 / nanos;
    }

    /** The figures that must be equal for two replays of the same trace (everything but timing). */
    public String fingerprint() {
        return String.join("|", policy, Long.toString(scans), Long.toString(faults), Long.toString(rejected),
                Long.toString(pageStates), Long.toString(commands), Long.toString(pagesCommanded),
                Long.toString(refaults), Double.toString(savedMeanPercent), Double.toString(savedP5Percent),
                java.util.Arrays.toString(savedPercent), java.util.Arrays.toString(refaultRatePerMinute),
                Long.toString(sloViolations), violationCycles.toString());
    }
}
