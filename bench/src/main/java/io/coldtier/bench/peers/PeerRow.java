package io.coldtier.bench.peers;

/**
 * One configuration's figures. Latencies in ns, byte counts in bytes, CPU in ms; -1 (or NaN) where not applicable.
 *
 * @param config          "none", "coldtier" or "kernel-zram"
 * @param limitBytes      the cgroup memory limit, -1 without one
 * @param residentBytes   guest memory in RAM (mincore of the guest's memfd), mean over the timed phase
 * @param residentEndBytes the same at the end of the timed phase
 * @param opsPerSec       guest accesses per second in the timed phase
 * @param slowAccesses    accesses slower than the threshold (refaults / swap-ins, plus the noise floor)
 * @param slowP50Ns       p50 of those accesses, as the guest saw them
 * @param slowP99Ns       p99 of those accesses
 * @param tierReads       pages brought back: pswpin (kernel) or refaults resolved by coldtier's fault loop
 * @param machineryCpuMs  CPU of the tiering machinery over warm-up + timed phase: kswapd (kernel), or the JVM
 *                        running coldtier's agent, evictor, tier-store and broker (coldtier)
 * @param guestSysCpuMs   the guest's system CPU in the timed phase (memcg direct reclaim and swap-in
 *                        decompression for the kernel; zaps and fault entry for coldtier)
 * @param bytesWrittenToTier pswpout x 4 KiB (kernel) or the page content bytes the tier-store stored (coldtier),
 *                        over populate + warm-up + timed phase
 * @param tierDetail      what the tier holds at the end, in words (zram orig/compr, or RocksDB + Kafka on disk)
 * @param truthWsPages    ground truth: distinct pages the guest touched per second, mean over the timed phase
 * @param truthWs5Pages   the same per 5 s window
 * @param estimatedWsPages the tiering's own working-set estimate per second (coldtier: pages its scan found
 *                        accessed per 1 s cycle), NaN where it has none
 * @param stalledMs       total time of the slow accesses in the timed phase
 * @param guestOnCpu      the guest's CPU time (user + system) over the timed phase's wall time: below 1 when it
 *                        waited (refaults, swap-ins) or was preempted by the tiering machinery on a busy machine
 * @param probe           the refault probe after the timed phase: pages that were out, read once each
 * @param warmupSeconds   how long the warm-up lasted (coldtier: until its eviction burst settled)
 * @param warmupOpsPerSec the guest's accesses per second during the warm-up
 */
record PeerRow(String config, long limitBytes, long residentBytes, long residentEndBytes, double opsPerSec,
               long slowAccesses, long slowP50Ns, long slowP99Ns, long tierReads, double machineryCpuMs,
               double guestSysCpuMs, long bytesWrittenToTier, String tierDetail, long truthWsPages, long truthWs5Pages,
               double estimatedWsPages, double stalledMs, double guestOnCpu, Probe probe, double warmupSeconds,
               double warmupOpsPerSec) {
    static final long PAGE = 4096;

    /** Latency of reading a page that mincore showed out of RAM (ns), as the guest timed it; count 0 if none. */
    record Probe(long pages, long p50Ns, long p99Ns) {}
}
