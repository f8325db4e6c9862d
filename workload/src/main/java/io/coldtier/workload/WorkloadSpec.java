package io.coldtier.workload;

import java.time.Duration;

/**
 * What the guest vCPUs do. Start from {@link #defaults()} and change fields with the
 * {@code with...} copies.
 *
 * @param threads          number of vCPU threads, at least 1
 * @param hotFraction      fraction of the pages in the hot set, in (0, 1]
 * @param hotShare         probability that an operation targets the hot set, in [0, 1]
 * @param zipfSkew         0 = uniform within the chosen set; &gt; 0 = Zipf with this exponent, rank 0
 *                         being the first page of the set
 * @param readFraction     probability that an operation is a read (otherwise a verified write), in [0, 1]
 * @param thinkTimeNanos   pause between operations, 0 = none (short ones spin, long ones park)
 * @param pattern          page selection pattern
 * @param phaseChangeAfter for {@link Pattern#HOT_COLD}: every time this elapses the hot set moves
 *                         to the adjacent block of pages; {@code null} = never
 * @param seed             seed of the per-thread random streams
 */
public record WorkloadSpec(int threads, double hotFraction, double hotShare, double zipfSkew, double readFraction,
                           long thinkTimeNanos, Pattern pattern, Duration phaseChangeAfter, long seed) {

    /** How a vCPU picks its next page. */
    public enum Pattern {
        /** A hot set receiving {@code hotShare} of the operations, the rest spread over the cold pages. */
        HOT_COLD,
        /** Each vCPU walks its own pages in address order, round and round (hot/cold fields ignored). */
        SEQUENTIAL_SWEEP
    }

    public WorkloadSpec {
        if (threads < 1) {
            throw new IllegalArgumentException("threads " + threads + " < 1");
        }
        if (!(hotFraction > 0 && hotFraction <= 1)) {
            throw new IllegalArgumentException("hotFraction " + hotFraction + " not in (0, 1]");
        }
        checkProbability("hotShare", hotShare);
        checkProbability("readFraction", readFraction);
        if (!(zipfSkew >= 0) || Double.isInfinite(zipfSkew)) {
            throw new IllegalArgumentException("zipfSkew " + zipfSkew + " is not a finite value >= 0");
        }
        if (thinkTimeNanos < 0) {
            throw new IllegalArgumentException("thinkTimeNanos " + thinkTimeNanos + " < 0");
        }
        if (pattern == null) {
            throw new IllegalArgumentException("pattern is null");
        }
        if (phaseChangeAfter != null && (phaseChangeAfter.isNegative() || phaseChangeAfter.isZero())) {
            throw new IllegalArgumentException("phaseChangeAfter " + phaseChangeAfter + " is not positive");
        }
    }

    /** Two vCPUs, 10% of pages take 90% of operations, uniform within each set, half reads, no phases. */
    public static WorkloadSpec defaults() {
        return new WorkloadSpec(2, 0.1, 0.9, 0.0, 0.5, 0, Pattern.HOT_COLD, null, 0x5EED_C01DL);
    }

    public WorkloadSpec withThreads(int v) {
        return new WorkloadSpec(v, hotFraction, hotShare, zipfSkew, readFraction, thinkTimeNanos, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withHotFraction(double v) {
        return new WorkloadSpec(threads, v, hotShare, zipfSkew, readFraction, thinkTimeNanos, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withHotShare(double v) {
        return new WorkloadSpec(threads, hotFraction, v, zipfSkew, readFraction, thinkTimeNanos, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withZipfSkew(double v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, v, readFraction, thinkTimeNanos, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withReadFraction(double v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, zipfSkew, v, thinkTimeNanos, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withThinkTimeNanos(long v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, zipfSkew, readFraction, v, pattern,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withPattern(Pattern v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, zipfSkew, readFraction, thinkTimeNanos, v,
                phaseChangeAfter, seed);
    }

    public WorkloadSpec withPhaseChangeAfter(Duration v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, zipfSkew, readFraction, thinkTimeNanos, pattern,
                v, seed);
    }

    public WorkloadSpec withSeed(long v) {
        return new WorkloadSpec(threads, hotFraction, hotShare, zipfSkew, readFraction, thinkTimeNanos, pattern,
                phaseChangeAfter, v);
    }

    private static void checkProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " " + p + " not in [0, 1]");
        }
    }
}
