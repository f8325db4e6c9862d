package io.coldtier.evictor;

import io.coldtier.evictor.policy.Decision;
import io.coldtier.evictor.policy.IdleAgePolicy;
import org.roaringbitmap.RoaringBitmap;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Micro benchmark (a main, not a test): how many page-states per second the policy core digests,
 * because the replay simulator must run it at 20 M/s or more. One 1 GiB region (262,144 pages of
 * 4 KiB), 1000 scans, 10 % of the pages accessed per scan (a fixed hot 5 % plus 5 % drawn at random
 * each scan), idle-age:cycles=3.
 *
 * <ul>
 *   <li>{@code observe+decide}: {@link PageAges#observe} then {@link IdleAgePolicy#decide}, no
 *       eviction feedback, so every scan names every idle page (the worst case for the decision).</li>
 *   <li>{@code Evictor.onScan}: the full engine path, victims marked evicted and commands built.</li>
 * </ul>
 * Run: {@code java -cp evictor/target/classes:evictor/target/test-classes:<RoaringBitmap jar>
 * io.coldtier.evictor.PolicyThroughputBench}
 */
public final class PolicyThroughputBench {
    private static final int PAGES = 262_144;
    private static final int SCANS = 1000;
    private static final int PATTERNS = 64;
    private static final int ROUNDS = 7;
    private static final int WARMUP_ROUNDS = 3;

    private PolicyThroughputBench() {
    }

    public static void main(String[] args) {
        RoaringBitmap[] patterns = accessPatterns(new SplittableRandom(2026_11_26L));
        report("observe+decide", patterns, PolicyThroughputBench::observeAndDecide);
        report("Evictor.onScan", patterns, PolicyThroughputBench::fullEngine);
    }

    private interface Round {
        long run(RoaringBitmap[] patterns);
    }

    private static void report(String label, RoaringBitmap[] patterns, Round round) {
        double[] rates = new double[ROUNDS];
        long checksum = 0;
        for (int r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
            long start = System.nanoTime();
            checksum += round.run(patterns);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (r >= WARMUP_ROUNDS) {
                rates[r - WARMUP_ROUNDS] = (double) PAGES * SCANS / seconds;
            }
        }
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "%-15s %d pages x %d scans: median %.1f M page-states/s "
                        + "(min %.1f, max %.1f; %d rounds after %d warm-up; checksum %d)%n",
                label, PAGES, SCANS, rates[ROUNDS / 2] / 1e6, rates[0] / 1e6, rates[ROUNDS - 1] / 1e6,
                ROUNDS, WARMUP_ROUNDS, checksum);
    }

    private static long observeAndDecide(RoaringBitmap[] patterns) {
        VmState vm = new VmState("bench", new IdleAgePolicy(3));
        long victims = 0;
        for (int cycle = 1; cycle <= SCANS; cycle++) {
            ScanInput scan = scan(patterns, cycle);
            vm.observe(scan);
            Decision d = vm.policy().decide(vm, 0, scan);
            victims += d.victims().getCardinality();
        }
        return victims;
    }

    private static long fullEngine(RoaringBitmap[] patterns) {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=3"));
        long victims = 0;
        for (int cycle = 1; cycle <= SCANS; cycle++) {
            victims += evictor.onScan(scan(patterns, cycle)).map(c -> c.pages().getCardinality()).orElse(0);
        }
        return victims;
    }

    private static ScanInput scan(RoaringBitmap[] patterns, int cycle) {
        return new ScanInput("bench", 0, cycle, cycle * 10_000_000L, PAGES, 4096,
                patterns[cycle % PATTERNS], PAGES, 0);
    }

    private static RoaringBitmap[] accessPatterns(SplittableRandom random) {
        RoaringBitmap hot = new RoaringBitmap();
        while (hot.getCardinality() < PAGES / 20) {
            hot.add(random.nextInt(PAGES));
        }
        RoaringBitmap[] patterns = new RoaringBitmap[PATTERNS];
        for (int i = 0; i < PATTERNS; i++) {
            RoaringBitmap accessed = hot.clone();
            while (accessed.getCardinality() < PAGES / 10) {
                accessed.add(random.nextInt(PAGES));
            }
            accessed.runOptimize();
            patterns[i] = accessed;
        }
        return patterns;
    }
}
