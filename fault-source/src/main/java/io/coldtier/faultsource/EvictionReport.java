package io.coldtier.faultsource;

/**
 * What one eviction pass did: pages asked for, frozen (resident when asked), evicted (hole
 * punched after a durable copy), of which all-zero, cancelled by a guest touch during the freeze,
 * the guest bytes freed, and how long it took.
 */
public record EvictionReport(long requested, long frozen, long evicted, long zeroPages, long cancelled,
                             long evictedBytes, long nanos) {
    public static final EvictionReport NONE = new EvictionReport(0, 0, 0, 0, 0, 0, 0);

    public double megabytesPerSecond() {
        return nanos == 0 ? 0 : (evictedBytes / (double) (1 << 20)) / (nanos / 1e9);
    }
}
