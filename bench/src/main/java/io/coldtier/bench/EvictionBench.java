package io.coldtier.bench;

import io.coldtier.faultsource.EvictionExecutor;
import io.coldtier.faultsource.EvictionReport;
import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.scanner.TrackingEngine;
import io.coldtier.scanner.ZapTracker;
import org.roaringbitmap.RoaringBitmap;

import java.io.PrintStream;
import java.time.Clock;

/**
 * Figure 5: {@link EvictionExecutor#evict} of the whole guest into a {@link LocalPageTier}
 * (freeze, pread, CRC32C, LZ4, store, punch, wake, thaw), once with compressible non-zero pages
 * and once with all-zero pages; and, as a by-product, {@link EvictionExecutor#restoreAll} of the
 * same. The pages are zapped (not mapped) before the timed eviction, as cold pages are when a
 * cycle evicts them.
 */
final class EvictionBench {
    /** One pass over the whole guest: bytes moved and wall time. */
    record Pass(long pages, long bytes, long nanos) {
        double megabytesPerSecond() {
            return bytes / 1e6 / (nanos / 1e9);
        }
    }

    /** {@code storedBytes}: what the tier holds (LZ4) after the non-zero eviction. */
    record Result(Pass evictData, Pass evictZero, Pass restoreData, long storedBytes) {}

    private static final int WARMUP_PAGES = 8192;

    private EvictionBench() {}

    static Result run(PrintStream out, long guestBytes, long seed) throws InterruptedException {
        try (GuestMemory mem = BenchGuest.create(guestBytes);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(mem)) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            TrackingEngine engine = new TrackingEngine(mem, tier, tracker, (scan, evictable) -> new RoaringBitmap(),
                    TrackingEngine.Config.defaults().withEvict(false).withFaultLoop(FaultLoop.Config.defaults()),
                    Clock.systemUTC(), "bench-evict");
            try {
                EvictionExecutor executor = engine.executor();
                RoaringBitmap all = new RoaringBitmap();
                all.add(0L, r.pages());

                out.println("  evicting " + (r.size() >> 20) + " MiB of zero pages (allocated, never written)…");
                Pass zero = evict(executor, r, all, true);
                out.printf("    %.0f MB/s%n", zero.megabytesPerSecond());
                executor.restoreAll();

                out.println("  filling " + (r.size() >> 20) + " MiB with 1 KiB random + 3 KiB pattern per page…");
                BenchGuest.fillRealistic(r, seed);
                RoaringBitmap warm = new RoaringBitmap();
                warm.add(0L, Math.min(WARMUP_PAGES, r.pages()));
                evict(executor, r, warm, false); // JIT warm-up of the LZ4/CRC path, untimed
                executor.restoreAll();
                tracker.arm(r);
                out.println("  evicting " + (r.size() >> 20) + " MiB of non-zero pages…");
                Pass data = evict(executor, r, all, false);
                long stored = tier.storedBytes();
                out.printf("    %.0f MB/s, tier holds %.0f MiB (LZ4)%n", data.megabytesPerSecond(), stored / 1048576.0);
                out.println("  restoring them (restoreAll)…");
                long t0 = System.nanoTime();
                long restored = executor.restoreAll();
                Pass restore = new Pass(restored, restored * r.pageSize(), System.nanoTime() - t0);
                if (restored != r.pages()) {
                    throw new IllegalStateException("restoreAll brought back " + restored + " of " + r.pages() + " pages");
                }
                out.printf("    %.0f MB/s%n", restore.megabytesPerSecond());
                return new Result(data, zero, restore, stored);
            } finally {
                engine.close();
            }
        }
    }

    private static Pass evict(EvictionExecutor executor, GuestRegion r, RoaringBitmap pages, boolean zero) {
        long t0 = System.nanoTime();
        EvictionReport rep = executor.evict(r, pages);
        long nanos = System.nanoTime() - t0;
        long want = pages.getLongCardinality();
        if (rep.evicted() != want || rep.zeroPages() != (zero ? want : 0)) {
            throw new IllegalStateException("evicted " + rep.evicted() + " of " + want + " pages, " + rep.zeroPages()
                    + " of them zero (expected " + (zero ? want : 0) + ")");
        }
        return new Pass(rep.evicted(), rep.evictedBytes(), nanos);
    }
}
