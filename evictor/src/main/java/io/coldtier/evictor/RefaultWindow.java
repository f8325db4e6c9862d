package io.coldtier.evictor;

import java.util.Arrays;

/**
 * Refault counts per second of event time for the last minute or so: 64 one-second buckets in a
 * ring, so a VM with millions of refaults costs a fixed 1 KiB and the "last minute" query is a
 * 64-step sum. An event more than 64 s older than the newest one seen is dropped: no query reaches
 * that far back.
 */
final class RefaultWindow {
    private static final int SLOTS = 64;
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private final long[] second = new long[SLOTS];
    private final long[] count = new long[SLOTS];

    RefaultWindow() {
        Arrays.fill(second, Long.MIN_VALUE);
    }

    void add(long atMicros, long n) {
        long s = Math.floorDiv(atMicros, MICROS_PER_SECOND);
        int slot = (int) Math.floorMod(s, SLOTS);
        if (second[slot] == s) {
            count[slot] += n;
        } else if (second[slot] < s) {
            second[slot] = s;
            count[slot] = n;
        }
    }

    /** Refaults whose second lies in {@code (second(after), second(until)]}. */
    long between(long afterMicros, long untilMicros) {
        long from = Math.floorDiv(afterMicros, MICROS_PER_SECOND);
        long to = Math.floorDiv(untilMicros, MICROS_PER_SECOND);
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (second[i] > from && second[i] <= to) {
                sum += count[i];
            }
        }
        return sum;
    }
}
