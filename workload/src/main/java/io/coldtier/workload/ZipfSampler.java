package io.coldtier.workload;

import java.util.random.RandomGenerator;

/**
 * Draws ranks in {@code [0, n)} with {@code P(rank k) ∝ 1 / (k + 1)^skew}; skew 0 is uniform.
 *
 * <p>Rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates from
 * monotone discrete distributions", ACM TOMACS 6(3), 1996), in the formulation used by Apache
 * Commons RNG's {@code RejectionInversionZipfSampler}: O(1) memory and expected O(1) time for any
 * {@code n}, no precomputed CDF, so each vCPU can own samplers over millions of pages. Works for
 * every skew &gt; 0, including 1.
 *
 * <p>Immutable; the caller supplies its own (thread-confined) random generator.
 */
final class ZipfSampler {
    private final long n;
    private final double skew;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double s;

    ZipfSampler(long n, double skew) {
        if (n < 1) {
            throw new IllegalArgumentException("Zipf over " + n + " items");
        }
        if (!(skew >= 0) || Double.isInfinite(skew)) {
            throw new IllegalArgumentException("Zipf skew " + skew);
        }
        this.n = n;
        this.skew = skew;
        this.hIntegralX1 = hIntegral(1.5) - 1.0;
        this.hIntegralN = hIntegral(n + 0.5);
        this.s = 2.0 - hIntegralInverse(hIntegral(2.5) - h(2.0));
    }

    long size() {
        return n;
    }

    /** A rank in {@code [0, n)}; rank 0 is the most likely. */
    long sample(RandomGenerator rng) {
        if (skew == 0 || n == 1) {
            return n == 1 ? 0 : rng.nextLong(n);
        }
        while (true) {
            // u is uniform in (H(n + 1/2), H(3/2) - 1]; x = H^-1(u) is a continuous proposal,
            // k its nearest integer; accept when u falls under the hat of k (almost always).
            double u = hIntegralN + rng.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            long k = (long) (x + 0.5);
            if (k < 1) {
                k = 1;
            } else if (k > n) {
                k = n;
            }
            if (k - x <= s || u >= hIntegral(k + 0.5) - h(k)) {
                return k - 1;
            }
        }
    }

    /** H(x) = ((x)^(1-skew) - 1) / (1 - skew), written to stay exact near skew = 1. */
    private double hIntegral(double x) {
        double logX = Math.log(x);
        return helper2((1.0 - skew) * logX) * logX;
    }

    private double h(double x) {
        return Math.exp(-skew * Math.log(x));
    }

    private double hIntegralInverse(double x) {
        double t = x * (1.0 - skew);
        if (t < -1.0) {
            t = -1.0; // rounding can push t below the domain of log1p
        }
        return Math.exp(helper1(t) * x);
    }

    /** log(1 + x) / x, with its Taylor series near 0. */
    private static double helper1(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
    }

    /** (exp(x) - 1) / x, with its Taylor series near 0. */
    private static double helper2(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
    }
}
