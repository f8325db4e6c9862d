package io.coldtier.fleet;

import java.util.List;

/**
 * The result of a fleet analysis: one row per VM and per host, each VM's series over time, and notes. Fractions are
 * in [0, 1]; a {@code null} fraction means "not observable" (the VM was watched for less than that idle age).
 *
 * @param generatedAt   when the analysis ran (ISO-8601)
 * @param agesSeconds   the cold-age histogram's idle ages
 * @param windowSeconds the working-set window
 * @param reclaimAgeSeconds the idle age that makes a page reclaimable
 * @param records       how many records of each kind were read
 */
public record FleetReport(String generatedAt, double[] agesSeconds, double windowSeconds, double reclaimAgeSeconds,
                          Counts records, List<VmStats> vms, List<HostStats> hosts, List<String> notes) {

    /** How many records went into the analysis. */
    public record Counts(long registrations, long scans, long faults, long evictions) {}

    /** Share and number of pages idle at least {@code ageSeconds}; fraction null when not observable. */
    public record ColdAge(double ageSeconds, Double fraction, long pages) {}

    /**
     * One VM. Figures "excluding prefetch" leave out pages whose presence at a scan a refault's prefetch during that
     * interval explains (present whether touched or not): the scanned figures over-count touched pages, these
     * under-count them, and the pages the guest really touched lie between the two.
     *
     * @param observedSeconds       first armed scan → last scan
     * @param intervalSeconds       median observation interval (armed → scanned) of its scans
     * @param workingSetPerCycle    median pages accessed per cycle after the warm-up, as scanned
     * @param workingSetPerCycleExcludingPrefetch the same, excluding prefetch-only presence
     * @param workingSetPages       pages seen accessed within the working-set window at the last scan
     * @param refaultsPerSecond     refaults (evicted pages touched again) per observed second
     * @param prefetchedPages       pages brought back by prefetch together with a refault
     * @param savedBytes            bytes evicted to the tier and still out at the last scan (memory saved)
     * @param reclaimableBytes      bytes of pages idle at least the reclaim age at the last scan (as scanned)
     */
    public record VmStats(String vmId, String host, String agentId, String state, String backend, long pages,
                          long bytes, int cycles, double observedSeconds, double intervalSeconds, List<ColdAge> cold,
                          List<ColdAge> coldExcludingPrefetch, double workingSetPerCycle,
                          double workingSetPerCycleExcludingPrefetch, long workingSetPages, long refaults,
                          long prefetchedPages, double refaultsPerSecond, long evictedPages, long savedBytes,
                          long reclaimablePages, long reclaimableBytes, List<Point> series) {}

    /**
     * One cycle of a VM (summed over its regions).
     *
     * @param t              seconds since the first scan in the fleet
     * @param accessed       pages accessed in the cycle, as scanned
     * @param accessedExcludingPrefetch the same without prefetch-only presence
     * @param workingSet     pages seen accessed within the window
     * @param refaults       refaults during the cycle's interval
     * @param prefetched     pages prefetched with them
     * @param coldAtFirstAge share of pages idle at least the first age (NaN when not yet observable)
     * @param coldAtFirstAgeExcludingPrefetch the same, excluding prefetch-only presence
     */
    public record Point(long cycle, double t, long accessed, long accessedExcludingPrefetch, long workingSet,
                        long resident, long evicted, long refaults, long prefetched, double coldAtFirstAge,
                        double coldAtFirstAgeExcludingPrefetch) {}

    /** One host: its VMs summed; cold shares are page-weighted over the VMs observed long enough. */
    public record HostStats(String host, int vms, long pages, long bytes, List<ColdAge> cold, long workingSetPages,
                            long refaults, double refaultsPerSecond, long savedBytes, long reclaimableBytes) {}
}
