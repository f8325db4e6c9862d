package io.coldtier.bench.peers;

/**
 * One configuration's figures. Latencies in ns; byte counts in bytes; -1 where not applicable.
 *
 * @param config       "none" or "kernel-zram"
 * @param limitBytes   the cgroup memory limit, -1 for none
 * @param residentBytes the guest's VmRSS at the end of the run
 * @param swapBytes    the guest's VmSwap at the end of the run
 * @param opsPerSec    guest accesses per second
 * @param slowAccesses accesses slower than the threshold
 * @param slowP50Ns    p50 of those accesses
 * @param slowP99Ns    p99 of those accesses
 * @param pswpin       /proc/vmstat pswpin delta over the timed phase (pages)
 * @param pswpout      /proc/vmstat pswpout delta over populate + timed phase (pages)
 * @param kswapdCpuMs  kswapd CPU over populate + timed phase
 * @param guestSysCpuMs guest system CPU in the timed phase (direct reclaim, swap-in decompression)
 * @param tierOrigBytes zram orig_data_size at the end
 * @param tierComprBytes zram compr_data_size at the end
 */
record PeerRow(String config, long limitBytes, long residentBytes, long swapBytes, double opsPerSec,
               long slowAccesses, long slowP50Ns, long slowP99Ns, long pswpin, long pswpout, double kswapdCpuMs,
               double guestSysCpuMs, long tierOrigBytes, long tierComprBytes) {
    static final long PAGE = 4096;

    long bytesWrittenToTier() {
        return pswpout * PAGE;
    }
}
