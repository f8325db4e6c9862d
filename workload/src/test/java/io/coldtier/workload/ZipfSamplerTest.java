package io.coldtier.workload;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Statistical checks with fixed seeds and bounds of several standard deviations: deterministic, not flaky. */
@Tag("unit")
@Timeout(30)
class ZipfSamplerTest {
    private static final int SAMPLES = 400_000;

    @Test
    void skewZero_isRoughlyUniform() {
        int n = 100;
        long[] counts = histogram(new ZipfSampler(n, 0), n, 1);

        double expected = (double) SAMPLES / n; // 4000, sigma ~ 63
        for (long c : counts) {
            assertThat((double) c).isBetween(expected * 0.9, expected * 1.1);
        }
    }

    @Test
    void skew1_2_putsMostMassOnTheFirstItems_matchingTheExactDistribution() {
        int n = 1000;
        double skew = 1.2;
        long[] counts = histogram(new ZipfSampler(n, skew), n, 2);

        double norm = 0;
        for (int k = 1; k <= n; k++) {
            norm += Math.pow(k, -skew);
        }
        long firstTen = 0;
        for (int rank = 0; rank < 10; rank++) {
            double p = Math.pow(rank + 1, -skew) / norm;
            double sigma = Math.sqrt(SAMPLES * p * (1 - p));
            assertThat((double) counts[rank]).as("rank %d", rank).isCloseTo(SAMPLES * p,
                    org.assertj.core.data.Offset.offset(6 * sigma));
            firstTen += counts[rank];
        }
        assertThat((double) firstTen / SAMPLES).as("mass on the first 1% of items").isGreaterThan(0.5);
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(0);
    }

    @Test
    void skewOne_andHugeN_stayInRange() {
        ZipfSampler one = new ZipfSampler(10, 1.0);
        ZipfSampler huge = new ZipfSampler(1L << 30, 0.9);
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            assertThat(one.sample(rng)).isBetween(0L, 9L);
            assertThat(huge.sample(rng)).isBetween(0L, (1L << 30) - 1);
        }
    }

    @Test
    void singleItem_alwaysSamplesRankZero() {
        SplittableRandom rng = new SplittableRandom(4);
        assertThat(new ZipfSampler(1, 1.5).sample(rng)).isZero();
        assertThat(new ZipfSampler(1, 0).sample(rng)).isZero();
    }

    private static long[] histogram(ZipfSampler sampler, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long[] counts = new long[n];
        for (int i = 0; i < SAMPLES; i++) {
            counts[(int) sampler.sample(rng)]++;
        }
        return counts;
    }
}
