package io.coldtier.bench;

import io.coldtier.faultsource.EvictionReport;
import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.scanner.TrackingEngine;
import io.coldtier.scanner.ZapTracker;
import org.HdrHistogram.Histogram;
import org.roaringbitmap.RoaringBitmap;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;

/**
 * Figures 4 and 6: refault latency (guest-visible and the handler's share) and the prefetch hit
 * rate. Each case evicts pages filled with known bytes through the engine's own executor (no
 * detection cycle runs), then a platform "toucher" thread reads them back with 8-byte memcpy
 * downcalls while the engine's fault loop refills them; every read is checked against the fill.
 */
final class FaultPathBench {
    /** Refaults timed per latency case, after {@link #WARMUP} untimed ones (JIT of both sides). */
    static final int REFAULTS = 20_000, WARMUP = 2_000;
    /** Contiguous pages evicted per prefetch case. */
    static final int PREFETCH_PAGES = 20_000;
    static final int PREFETCH_WINDOW = 8;
    static final long CPU0 = 1L, CPU1 = 1L << 1;

    /** One latency case: guest-visible (toucher) and handler (FaultMetrics) histograms, in ns. */
    record Latency(String label, Histogram guest, Histogram handler, long refaults) {}

    /**
     * One prefetch case. {@code ownFaults}: touched pages that faulted themselves (FaultMetrics
     * refaults); {@code hits} = touched − ownFaults: the touched pages that were already back
     * because a neighbour's refault prefetched them; hit rate = hits / prefetched.
     */
    record Prefetch(String label, long touched, long ownFaults, long prefetched, long hits) {
        double hitRate() {
            return prefetched == 0 ? Double.NaN : (double) hits / prefetched;
        }

        double faultsAvoided() {
            return (double) hits / touched;
        }
    }

    /** {@code realistic}: same CPU, pages with 1 KiB random + 3 KiB pattern instead of one repeated byte. */
    record Result(Latency sameCpu, Latency crossCpu, Latency realistic, Prefetch sequential, Prefetch random,
                  Prefetch randomTenth) {}

    private FaultPathBench() {}

    static Result run(PrintStream out, long guestBytes, long seed) throws InterruptedException {
        try (GuestMemory mem = BenchGuest.create(guestBytes);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(mem)) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            int blockStart = (int) (r.pages() / 2 - PREFETCH_PAGES / 2);
            int[] block = BenchGuest.range(blockStart, PREFETCH_PAGES);
            // Two disjoint scattered sets outside the prefetch block: memset pages and realistic pages.
            int perSet = WARMUP + REFAULTS;
            int[] scattered = BenchGuest.shuffled(BenchGuest.randomPages(r.pages() - PREFETCH_PAGES, 2 * perSet, seed),
                    seed + 1);
            for (int i = 0; i < scattered.length; i++) {
                scattered[i] += scattered[i] >= blockStart ? PREFETCH_PAGES : 0;
            }
            int[] plain = Arrays.copyOfRange(scattered, 0, perSet);
            int[] realistic = Arrays.copyOfRange(scattered, perSet, 2 * perSet);
            out.printf("  filling %d scattered pages (memset), %d (1 KiB random + pattern), %d contiguous (memset)…%n",
                    plain.length, realistic.length, block.length);
            BenchGuest.fillPages(r, plain);
            BenchGuest.fillRealisticPages(r, realistic, seed);
            BenchGuest.fillPages(r, block);
            Latency same = latency(out, mem, tier, tracker, plain, "same CPU (loop and toucher on CPU0)", CPU0);
            Latency cross = latency(out, mem, tier, tracker, plain, "cross-CPU (loop on CPU1, toucher on CPU0)", CPU1);
            Latency real = latency(out, mem, tier, tracker, realistic, "same CPU, realistic page contents", CPU0);
            Prefetch seq = prefetch(out, mem, tier, tracker, block, block, "sequential, all pages");
            Prefetch rnd = prefetch(out, mem, tier, tracker, block, BenchGuest.shuffled(block, seed + 2),
                    "random order, all pages");
            int[] tenth = Arrays.copyOf(BenchGuest.shuffled(block, seed + 3), PREFETCH_PAGES / 10);
            Prefetch sparse = prefetch(out, mem, tier, tracker, block, tenth, "random order, a random 10 %");
            return new Result(same, cross, real, seq, rnd, sparse);
        }
    }

    /** Prefetch off; the loop pinned to {@code loopCpu}, the toucher to CPU0. */
    private static Latency latency(PrintStream out, GuestMemory mem, LocalPageTier tier, ZapTracker tracker,
                                   int[] order, String label, long loopCpu) throws InterruptedException {
        out.println("  refault latency, " + label + "…");
        FaultLoop.Config loop = FaultLoop.Config.defaults().withPrefetchWindow(0).withCpuMask(loopCpu);
        TrackingEngine engine = engine(mem, tier, tracker, loop);
        try {
            GuestRegion r = mem.region(0);
            evict(engine, r, order);
            Histogram guest = new Histogram(3);
            // The warm-up refaults are timed too but not recorded; the handler's histogram is reset after them.
            BenchGuest.touchAndCheck(r, order, 0, WARMUP, CPU0, null);
            quiesce(engine.metrics()); // the loop counts a refault just after waking its thread
            engine.metrics().refaultLatencyInterval();
            long before = engine.metrics().refaults.sum();
            BenchGuest.touchAndCheck(r, order, WARMUP, order.length, CPU0, guest);
            quiesce(engine.metrics());
            Histogram handler = engine.metrics().refaultLatencyInterval();
            long refaults = engine.metrics().refaults.sum() - before;
            if (refaults != order.length - WARMUP) {
                throw new IllegalStateException(label + ": " + refaults + " refaults for " + (order.length - WARMUP)
                        + " touches of evicted pages (prefetch is off: expected one each)");
            }
            out.printf("    guest p50 %.1f µs, handler p50 %.1f µs%n", guest.getValueAtPercentile(50) / 1e3,
                    handler.getValueAtPercentile(50) / 1e3);
            return new Latency(label, guest, handler, refaults);
        } finally {
            engine.close();
        }
    }

    /**
     * How the hit rate is measured: a touch of an evicted page either faults (the loop refills
     * it and counts a refault) or finds the page already back because a neighbour's refault
     * prefetched it (no fault, nothing counted). With one toucher, which can have only one fault
     * pending, every touched page is counted exactly once, so hits = touched − refaults; zero
     * fills (a MISSING message for a page that was already back) would break that and are
     * checked to be 0. A presence scan cannot tell hits: a prefetched page is present whether
     * touched or not.
     */
    private static Prefetch prefetch(PrintStream out, GuestMemory mem, LocalPageTier tier, ZapTracker tracker,
                                     int[] block, int[] order, String label) throws InterruptedException {
        out.println("  prefetch (window " + PREFETCH_WINDOW + "), touching " + label + "…");
        TrackingEngine engine = engine(mem, tier, tracker, FaultLoop.Config.defaults().withPrefetchWindow(PREFETCH_WINDOW));
        try {
            GuestRegion r = mem.region(0);
            evict(engine, r, block); // the whole contiguous block, whatever subset is touched
            FaultMetrics m = engine.metrics();
            long refaults0 = m.refaults.sum(), prefetched0 = m.prefetched.sum(), zero0 = m.zeroFills.sum();
            BenchGuest.touchAndCheck(r, order, 0, order.length, 0, null);
            quiesce(m);
            long ownFaults = m.refaults.sum() - refaults0;
            long prefetched = m.prefetched.sum() - prefetched0;
            long zeroFills = m.zeroFills.sum() - zero0;
            if (zeroFills != 0) {
                throw new IllegalStateException(label + ": " + zeroFills + " zero fills: the hit count would be wrong");
            }
            Prefetch p = new Prefetch(label, order.length, ownFaults, prefetched, order.length - ownFaults);
            out.printf("    %d touched, %d faulted, %d prefetched, hit rate %.3f%n", p.touched(), p.ownFaults(),
                    p.prefetched(), p.hitRate());
            return p;
        } finally {
            engine.close();
        }
    }

    /**
     * Waits until the fault loop's counters stop moving. The loop records a refault after the
     * UFFDIO_COPY that wakes the faulting thread, so right after the toucher's last read the
     * counters can still lag by that last refault (and its prefetches).
     */
    private static void quiesce(FaultMetrics m) throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 200; i++) {
            long now = m.messages.sum() + m.refaults.sum() + m.prefetched.sum() + m.zeroFills.sum() + m.retries.sum();
            if (now == last) {
                return;
            }
            last = now;
            Thread.sleep(10);
        }
        throw new IllegalStateException("fault loop counters still moving 2 s after the last touch");
    }

    /** An engine whose cycle never runs: only its fault loop and executor are used. */
    private static TrackingEngine engine(GuestMemory mem, LocalPageTier tier, ZapTracker tracker, FaultLoop.Config loop) {
        return new TrackingEngine(mem, tier, tracker, (scan, evictable) -> new RoaringBitmap(),
                TrackingEngine.Config.defaults().withEvict(false).withFaultLoop(loop), Clock.systemUTC(), "bench-fault");
    }

    private static void evict(TrackingEngine engine, GuestRegion r, int[] pages) {
        EvictionReport rep = engine.executor().evict(r, RoaringBitmap.bitmapOf(pages));
        if (rep.evicted() != pages.length || rep.zeroPages() != 0) {
            throw new IllegalStateException("evicted " + rep.evicted() + " of " + pages.length + " pages ("
                    + rep.zeroPages() + " zero)");
        }
    }
}
