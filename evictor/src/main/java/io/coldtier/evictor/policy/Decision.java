package io.coldtier.evictor.policy;

import org.roaringbitmap.RoaringBitmap;

import java.util.Arrays;
import java.util.Objects;

/**
 * A policy's answer for one scan: the pages to evict and why.
 *
 * @param victims    resident pages of the region to evict (possibly empty)
 * @param minAge     the idle threshold that applied: no victim is younger
 * @param reason     a one-line human explanation with the numbers that drove it
 * @param policy     the deciding policy's name
 * @param victimAges evidence for analytics: victims per age (index = age), length
 *                   {@link RegionAges#MAX_AGE} + 1
 */
public record Decision(RoaringBitmap victims, int minAge, String reason, String policy, int[] victimAges) {
    public Decision {
        Objects.requireNonNull(victims, "victims");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(victimAges, "victimAges");
        if (victimAges.length != RegionAges.MAX_AGE + 1) {
            throw new IllegalArgumentException("victimAges must have " + (RegionAges.MAX_AGE + 1)
                    + " entries, got " + victimAges.length);
        }
        victimAges = victimAges.clone();
    }

    /** Evict {@code victims}; the evidence histogram is computed from {@code ages}. */
    public static Decision evict(String policy, RoaringBitmap victims, int minAge, String reason, RegionAges ages) {
        return new Decision(victims, minAge, reason, policy, ages.histogramOf(victims));
    }

    /** Evict nothing this time. */
    public static Decision none(String policy, int minAge, String reason) {
        return new Decision(new RoaringBitmap(), minAge, reason, policy, new int[RegionAges.MAX_AGE + 1]);
    }

    @Override
    public int[] victimAges() {
        return victimAges.clone();
    }

    // Records compare arrays by identity; decisions are compared by content (determinism tests).
    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d && minAge == d.minAge && victims.equals(d.victims)
                && reason.equals(d.reason) && policy.equals(d.policy) && Arrays.equals(victimAges, d.victimAges);
    }

    @Override
    public int hashCode() {
        return Objects.hash(victims, minAge, reason, policy, Arrays.hashCode(victimAges));
    }

    @Override
    public String toString() {
        return "Decision[policy=" + policy + ", victims=" + victims.getLongCardinality() + " pages, minAge="
                + minAge + ", reason=" + reason + "]";
    }
}
