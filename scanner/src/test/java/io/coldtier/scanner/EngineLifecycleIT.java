package io.coldtier.scanner;

import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole in-process engine with a live workload: shutdown with pages out, and GC pressure. */
@Tag("kernel")
@Timeout(240)
class EngineLifecycleIT {
    static final int PAGES = 8192; // 32 MiB

    static GuestMemory memory() {
        return GuestMemory.create(List.of(RegionSpec.local(0, PAGES * 4096L, 4096)), Registration.ZAP);
    }

    static TrackingEngine engine(GuestMemory mem, LocalPageTier tier, ZapTracker tracker, Duration interval) {
        return new TrackingEngine(mem, tier, tracker, new IdleCyclesPolicy(new long[] {PAGES}, 1, PAGES),
                TrackingEngine.Config.defaults().withInterval(interval)
                        .withFaultLoop(FaultLoop.Config.defaults().withPrefetchWindow(4)),
                Clock.systemUTC(), "lifecycle");
    }

    /**
     * A guest with a hot tenth and a cold majority; think time keeps the cold touches rare enough
     * that cold pages stay idle across intervals (flat out, 2 threads touch every page of 32 MiB
     * within one interval). The hot set moves every 2 s, leaving written pages behind to go cold.
     */
    static WorkloadSpec spec() {
        return WorkloadSpec.defaults().withThreads(2).withHotFraction(0.1).withHotShare(0.98).withReadFraction(0.5)
                .withThinkTimeNanos(100_000).withPhaseChangeAfter(Duration.ofSeconds(2)).withSeed(5);
    }

    @Test
    void cleanShutdown_withPagesEvicted_restoresAllOfThem_andTheGuestReadsEveryByte() throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        try (GuestMemory mem = memory(); LocalPageTier tier = new LocalPageTier(); ZapTracker tracker = new ZapTracker(mem)) {
            GuestRegion r = mem.region(0);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), PAGES, 4096), spec());
            TrackingEngine engine = engine(mem, tier, tracker, Duration.ofMillis(200));
            long evictedAtStop;
            try {
                engine.start("lifecycle");
                long start = System.nanoTime();
                long deadline = start + Duration.ofSeconds(60).toNanos();
                long minRun = start + Duration.ofSeconds(5).toNanos(); // several cycles and phase changes
                while ((mem.evictedPages() < PAGES / 2 || System.nanoTime() < minRun) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                evictedAtStop = mem.evictedPages();
            } finally {
                // Guest threads stop before anything else: they must never outlive the mapping.
                assertThat(w.stop(Duration.ofSeconds(20)).stuckThreads()).isEmpty();
                engine.close();
            }
            assertThat(evictedAtStop).as("the cold majority got evicted").isGreaterThan(PAGES / 2);
            assertThat(mem.evictedPages()).as("nothing left out after close").isZero();
            assertThat(tier.size()).as("copies are still there, but the guest no longer needs them").isPositive();
            System.out.printf("clean shutdown: %d pages were out at stop, all restored; workload %s%n",
                    evictedAtStop, w.stats());
            assertThat(w.stats().errors()).isZero();
            // With the fault loop gone, any hole would now hang or read zeros: every page must be whole.
            int[] bad = {-1};
            KernelTestSupport.onPlatformThread(() -> bad[0] = w.verifyAll());
            assertThat(bad[0]).as("%s", w.verifyFailures()).isZero();
        }
    }

    @Test
    void heavyFaulting_whileForcingGarbageCollections_neverDeadlocksASafepoint() throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        try (GuestMemory mem = memory(); LocalPageTier tier = new LocalPageTier(); ZapTracker tracker = new ZapTracker(mem)) {
            GuestRegion r = mem.region(0);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), PAGES, 4096),
                    spec().withThreads(3).withHotShare(0.5).withThinkTimeNanos(0));
            TrackingEngine engine = engine(mem, tier, tracker, Duration.ofMillis(50));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong gcs = new AtomicLong();
            List<Thread> pressure = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                pressure.add(Thread.ofPlatform().name("alloc-" + i).start(() -> {
                    List<byte[]> keep = new ArrayList<>();
                    while (!stop.get()) {
                        keep.add(new byte[64 * 1024]);
                        if (keep.size() > 200) {
                            keep.clear();
                        }
                    }
                }));
            }
            Thread gc = Thread.ofPlatform().name("gc-forcer").start(() -> {
                while (!stop.get()) {
                    System.gc();
                    gcs.incrementAndGet();
                }
            });
            long refaultsBefore;
            try {
                engine.start("safepoint");
                Thread.sleep(8_000);
                refaultsBefore = engine.metrics().refaults.sum();
                long opsBefore = w.stats().ops();
                Thread.sleep(2_000);
                assertThat(w.stats().ops()).as("the guest still makes progress under GC pressure").isGreaterThan(opsBefore);
            } finally {
                stop.set(true);
                gc.join(Duration.ofSeconds(30));
                for (Thread t : pressure) {
                    t.join(Duration.ofSeconds(30));
                }
                assertThat(w.stop(Duration.ofSeconds(20)).stuckThreads()).isEmpty();
                engine.close();
            }
            System.out.printf("safepoint: %d forced GCs, %d refaults, %d cycles, workload %s%n",
                    gcs.get(), engine.metrics().refaults.sum(), engine.cycles(), w.stats());
            assertThat(gcs.get()).isGreaterThan(10);
            assertThat(refaultsBefore).as("faults really happened during the GCs").isGreaterThan(100);
            assertThat(w.stats().errors()).isZero();
        }
    }
}
