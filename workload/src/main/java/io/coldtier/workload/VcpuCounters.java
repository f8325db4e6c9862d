package io.coldtier.workload;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-vCPU operation counters. Each vCPU is the only writer of its own slots, so an increment is a
 * plain read plus an opaque write (no atomic read-modify-write); slots of different vCPUs sit
 * {@value #STRIDE} longs (128 bytes) apart so the writers never share a cache line.
 */
final class VcpuCounters {
    enum Kind { OPS, READS, WRITES, HOT_OPS }

    private static final int STRIDE = 16;
    private final int vcpus;
    private final AtomicLongArray slots;

    VcpuCounters(int vcpus) {
        this.vcpus = vcpus;
        this.slots = new AtomicLongArray((vcpus + 1) * STRIDE); // + 1: padding after the last vCPU
    }

    /** Only vCPU {@code vcpu}'s own thread may call this. */
    void increment(int vcpu, Kind kind) {
        int i = vcpu * STRIDE + kind.ordinal();
        slots.setOpaque(i, slots.getPlain(i) + 1);
    }

    long sum(Kind kind) {
        long total = 0;
        for (int v = 0; v < vcpus; v++) {
            total += slots.getOpaque(v * STRIDE + kind.ordinal());
        }
        return total;
    }
}
