package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.linux.KernelTests;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invariant everything else rests on: no write is ever lost, however evictions and writes
 * interleave. Writer threads (native accesses, self-verifying pages, each page owned by one
 * writer so every read checks the last write) hammer a small region while the executor evicts
 * random halves of it as fast as it can; faults refill from the tier.
 */
@Tag("kernel")
@Timeout(300)
class NoLostWriteIT {
    static final int PAGES = 512;
    static final long TARGET_EVICTIONS = 100_000;

    @Test
    void evictionsUnderConcurrentWrites_loseNoWrite_andHangNoThread() throws Exception {
        KernelTests.assumeUserfaultfd();
        FaultMetrics metrics = new FaultMetrics();
        try (GuestMemory mem = GuestMemory.create(List.of(RegionSpec.local(0, PAGES * 4096L, 4096)), Registration.ZAP);
             LocalPageTier tier = new LocalPageTier()) {
            GuestRegion r = mem.region(0);
            FaultLoop loop = new FaultLoop(mem, tier, metrics, FaultLoop.Config.defaults().withPrefetchWindow(2), "nlw")
                    .start();
            EvictionExecutor exec = new EvictionExecutor(mem, tier, FreezeControl.writeProtect(mem), metrics,
                    EvictionExecutor.Config.defaults());
            WorkloadSpec spec = WorkloadSpec.defaults().withThreads(2).withReadFraction(0.2)
                    .withHotFraction(0.25).withHotShare(0.5).withSeed(42);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), PAGES, 4096), spec);
            long evicted = 0;
            int passes = 0;
            SplittableRandom rnd = new SplittableRandom(7);
            long deadline = System.nanoTime() + Duration.ofSeconds(200).toNanos();
            try {
                while (evicted < TARGET_EVICTIONS && System.nanoTime() < deadline) {
                    RoaringBitmap victims = new RoaringBitmap();
                    for (int p = 0; p < PAGES; p++) {
                        if (rnd.nextBoolean()) {
                            victims.add(p);
                        }
                    }
                    evicted += exec.evict(r, victims).evicted();
                    passes++;
                    assertThat(loop.failure()).isNull();
                }
            } finally {
                Workload.StopResult stop = w.stop(Duration.ofSeconds(20));
                assertThat(stop.stuckThreads()).as("hung writer threads").isEmpty();
            }
            Workload.Stats stats = w.stats();
            System.out.printf("no-lost-write: %d evictions in %d passes, %d writer ops (%d writes), refaults %d, "
                            + "cancels %d, stale-message wakes %d, zero fills %d, prefetched %d%n",
                    evicted, passes, stats.ops(), stats.writes(), metrics.refaults.sum(), metrics.cancels.sum(),
                    metrics.wakes.sum(), metrics.zeroFills.sum(), metrics.prefetched.sum());
            assertThat(evicted).isGreaterThanOrEqualTo(TARGET_EVICTIONS);
            assertThat(stats.errors()).as("lost or corrupted writes: %s", stats.firstErrors()).isZero();
            assertThat(stats.writes()).as("writers really wrote").isGreaterThan(10_000);
            assertThat(metrics.refaults.sum()).as("evicted pages were refaulted under the writers").isPositive();
            assertThat(metrics.cancels.sum()).as("writes raced freezes and cancelled evictions").isPositive();
            assertThat(metrics.poisoned).isEmpty();

            // Every page, evicted or not, still holds its last write, read back through faults.
            assertThat(verifyOnPlatformThread(w)).as("pages with wrong contents: %s", w.verifyFailures()).isZero();
            long restored = exec.restoreAll();
            assertThat(mem.evictedPages()).isZero();
            assertThat(verifyOnPlatformThread(w)).isZero();
            System.out.printf("no-lost-write: restored %d pages at the end%n", restored);
            loop.close();
            exec.close();
        }
    }

    /** verifyAll faults on evicted pages, so it runs on its own platform thread (never the test's). */
    static int verifyOnPlatformThread(Workload w) throws InterruptedException {
        int[] bad = {-1};
        Thread t = Thread.ofPlatform().name("verifier").start(() -> bad[0] = w.verifyAll());
        t.join(Duration.ofSeconds(60));
        assertThat(t.isAlive()).as("verifier hung").isFalse();
        return bad[0];
    }
}
