package io.coldtier.trace.internal;

import java.util.Arrays;

/** Counts per second of event time for the last 64 s (a fixed ring; older events fall out). */
public final class SecondRing {
    private static final int SLOTS = 64;
    private final long[] second = new long[SLOTS];
    private final long[] count = new long[SLOTS];

    public SecondRing() {
        Arrays.fill(second, Long.MIN_VALUE);
    }

    public void add(long atMicros, long n) {
        long s = Math.floorDiv(atMicros, 1_000_000L);
        int slot = (int) Math.floorMod(s, SLOTS);
        if (second[slot] == s) {
            count[slot] += n;
        } else if (second[slot] < s) {
            second[slot] = s;
            count[slot] = n;
        }
    }

    /** The sum over the 60 seconds ending with the second of {@code nowMicros}. */
    public long lastMinute(long nowMicros) {
        long to = Math.floorDiv(nowMicros, 1_000_000L);
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (second[i] > to - 60 && second[i] <= to) {
                sum += count[i];
            }
        }
        return sum;
    }
}
