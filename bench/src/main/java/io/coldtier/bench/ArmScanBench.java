package io.coldtier.bench;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.PagemapScan;
import io.coldtier.scanner.ZapTracker;
import org.roaringbitmap.RoaringBitmap;

import java.io.PrintStream;

/**
 * Figures 1 and 2: the zap backend's arm ({@link ZapTracker#arm}, MADV_DONTNEED over the whole
 * region) and hot scan ({@link ZapTracker#hotScan}, PAGEMAP_SCAN PAGE_IS_PRESENT into a bitmap),
 * each with every page present and with a random tenth present. No engine runs: the memfd is
 * fully allocated, so no access here can raise a uffd message.
 */
final class ArmScanBench {
    /**
     * @param armAll      every page present, mapped by MADV_POPULATE_WRITE (dirty PTEs)
     * @param armAllClean every page present, mapped by MADV_POPULATE_READ (clean PTEs)
     * @param scanTenthRaw the same PAGEMAP_SCAN as {@code scanTenth}, counting runs instead of
     *                     building the bitmap: the share of the scan that is the kernel's
     */
    record Result(Samples armAll, Samples armAllClean, Samples armTenth, Samples scanAll, Samples scanTenth,
                  Samples scanTenthRaw, int tenthPages) {}

    private static final int WARMUP_REPS = 2;

    private ArmScanBench() {}

    static Result run(PrintStream out, long guestBytes, int reps, long seed) throws InterruptedException {
        try (GuestMemory mem = BenchGuest.create(guestBytes);
             ZapTracker tracker = new ZapTracker(mem);
             PagemapScan check = PagemapScan.self()) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            int tenth = (int) (r.pages() / 10);
            // Untimed warm-up reps: the first zap after populating also marks every folio dirty,
            // which costs several times a later zap (stock-kernel-tracking.md Q2), and the JIT
            // has to compile hotScan's per-run callback.
            out.printf("  %d MiB, populated with MADV_POPULATE_WRITE after fallocate; %d warm-up reps…%n",
                    r.size() >> 20, WARMUP_REPS);
            long[][] t = new long[6][reps];
            for (int rep = -WARMUP_REPS; rep < reps; rep++) {
                long[] one = rep(r, tracker, check, tenth, seed + rep);
                if (rep >= 0) {
                    for (int k = 0; k < one.length; k++) {
                        t[k][rep] = one[k];
                    }
                    out.printf("  rep %d/%d: arm all %.1f ms (clean PTEs %.1f), arm 10%% %.1f ms, scan all %.2f ms,"
                                    + " scan 10%% %.2f ms (raw %.2f)%n", rep + 1, reps, one[0] / 1e6, one[1] / 1e6,
                            one[2] / 1e6, one[3] / 1e6, one[4] / 1e6, one[5] / 1e6);
                }
            }
            return new Result(new Samples(t[0]), new Samples(t[1]), new Samples(t[2]), new Samples(t[3]),
                    new Samples(t[4]), new Samples(t[5]), tenth);
        }
    }

    /** One repetition of every case: {armAll, armAllClean, armTenth, scanAll, scanTenth, scanTenthRaw} in ns. */
    private static long[] rep(GuestRegion r, ZapTracker tracker, PagemapScan check, int tenth, long seed)
            throws InterruptedException {
        long[] t = new long[6];
        // A random tenth present: arm (untimed) zaps all, then touch a tenth.
        tracker.arm(r);
        int[] pages = BenchGuest.randomPages(r.pages(), tenth, seed);
        BenchGuest.touchWrite(r, pages);
        long t0 = System.nanoTime();
        RoaringBitmap hot = tracker.hotScan(r);
        t[4] = System.nanoTime() - t0;
        expect(hot, RoaringBitmap.bitmapOf(pages), "hot scan after touching a random tenth");
        t0 = System.nanoTime();
        long present = BenchGuest.presentPages(r, check);
        t[5] = System.nanoTime() - t0;
        if (present != tenth) {
            throw new IllegalStateException("raw scan found " + present + " of " + tenth + " touched pages");
        }
        t0 = System.nanoTime();
        tracker.arm(r);
        t[2] = System.nanoTime() - t0;
        expectNonePresent(r, check);

        // Every page present, dirty PTEs: populate (untimed, checked), scan, arm.
        BenchGuest.populate(r, check, Madvise.MADV_POPULATE_WRITE);
        t0 = System.nanoTime();
        hot = tracker.hotScan(r);
        t[3] = System.nanoTime() - t0;
        if (hot.getLongCardinality() != r.pages()) {
            throw new IllegalStateException("hot scan of a populated region found " + hot.getLongCardinality()
                    + " of " + r.pages() + " pages");
        }
        t0 = System.nanoTime();
        tracker.arm(r);
        t[0] = System.nanoTime() - t0;
        expectNonePresent(r, check);

        // Every page present, clean PTEs (pages only read since the arm).
        BenchGuest.populate(r, check, Madvise.MADV_POPULATE_READ);
        t0 = System.nanoTime();
        tracker.arm(r);
        t[1] = System.nanoTime() - t0;
        expectNonePresent(r, check);
        return t;
    }

    /** The zap backend's presence is exact per page (WP registration turns fault-around off). */
    private static void expect(RoaringBitmap got, RoaringBitmap want, String what) {
        if (!got.equals(want)) {
            throw new IllegalStateException(what + ": " + got.getLongCardinality() + " pages reported, "
                    + want.getLongCardinality() + " touched, " + RoaringBitmap.andCardinality(got, want) + " in common");
        }
    }

    private static void expectNonePresent(GuestRegion r, PagemapScan check) {
        long present = BenchGuest.presentPages(r, check);
        if (present != 0) {
            throw new IllegalStateException("arm (MADV_DONTNEED) left " + present + " pages present");
        }
    }
}
