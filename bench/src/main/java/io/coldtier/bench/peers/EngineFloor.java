package io.coldtier.bench.peers;

import io.coldtier.bench.BenchGuest;
import io.coldtier.faultsource.EvictionReport;
import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.FreezeControl;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.linux.Libc;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.PagemapScan;
import io.coldtier.scanner.TrackingEngine;
import io.coldtier.scanner.ZapTracker;
import org.HdrHistogram.Histogram;
import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "C floor" table of issue #8: coldtier's own per-operation costs next to the bare kernel
 * floor, measured in the same call by {@code engine_floor.c} (a classpath resource next to this
 * class, built with {@code gcc -O2} at run time) doing the same syscalls on the same kind of
 * region (memfd, MAP_SHARED, fully allocated, uffd MISSING|WP).
 *
 * <p>Java side: one guest from {@link BenchGuest#create} (4 KiB pages, {@code Registration.ZAP}),
 * measured through the engine's own classes. Every guest access goes through {@link Libc}
 * memcpy/memset downcalls on platform threads started by {@link BenchGuest#onPlatformThread},
 * never on the thread that drives the engine (bench/README.md).
 */
public final class EngineFloor {
    /** One operation: Java and C figures in {@code unit}, and how both were measured. */
    public record FloorRow(String operation, String unit, double java, double c, String how) {
        public double ratio() {
            return java / c;
        }
    }

    public static final long DEFAULT_REGION = 256L << 20, QUICK_REGION = 64L << 20;
    private static final String SOURCE = "engine_floor.c";
    private static final Pattern LINE = Pattern.compile("(?m)^(\\S+) ([0-9.]+) (\\S+)$");
    private static final int WARMUP_REPS = 2;
    /** The executor's batch (EvictionExecutor.Config.defaults()) and the 1-page-call stride, as in the C. */
    private static final int RUN = 256, STRIDE = 64;
    private static final long CPU0 = 1L;
    /** Untimed Java-only JIT warm-up: hot scans per warm-up rep, freeze/thaw/punch/allocate calls. */
    private static final int JIT_SCANS = 10, JIT_CALLS = 20_000;

    private EngineFloor() {}

    /**
     * Measures every operation in Java, then in C, on a region of {@code regionBytes} each (one
     * after the other, never both at once). {@code tmpDir} receives a build directory that is
     * deleted afterwards.
     */
    public static List<FloorRow> measure(Path tmpDir, long regionBytes, boolean quick, PrintStream progress)
            throws Exception {
        if (regionBytes < (16L << 20) || regionBytes % (1L << 20) != 0) {
            throw new IllegalArgumentException("region must be a multiple of 1 MiB, at least 16 MiB: " + regionBytes);
        }
        int reps = quick ? 5 : 7;
        long pages = regionBytes / BenchGuest.PAGE;
        int timed = quick ? 5000 : 20_000, warm = quick ? 1000 : 2000;
        if (timed + warm > pages / 2) { // same rule as engine_floor.c
            timed = (int) (pages / 2 * 10 / 11);
            warm = (int) (pages / 2 - timed);
        }
        Path dir = Files.createTempDirectory(tmpDir, "engine-floor");
        try {
            progress.println("  C floor: building " + SOURCE + " with gcc -O2…");
            Path binary = Sys.compileC(dir, SOURCE);
            progress.printf("  Java: %d MiB guest (memfd, MISSING|WP), %d reps after %d warm-up…%n",
                    regionBytes >> 20, reps, WARMUP_REPS);
            Map<String, Double> java = measureJava(regionBytes, reps, warm, timed, progress);
            progress.println("  C: the same operations on its own " + (regionBytes >> 20) + " MiB region…");
            Map<String, Double> c = runC(binary, regionBytes, quick);
            progress.println("  C: " + c);
            return rows(java, c, reps, warm, timed);
        } finally {
            Sys.deleteTree(dir);
        }
    }

    private static List<FloorRow> rows(Map<String, Double> j, Map<String, Double> c, int reps, int warm, int timed) {
        String med = "median of " + reps + " after " + WARMUP_REPS + " warm-up reps (Java also: " + JIT_SCANS
                + " untimed scans per warm-up rep, " + JIT_CALLS + " untimed 1-page freeze/thaw/punch/allocate calls)";
        List<FloorRow> rows = new ArrayList<>();
        rows.add(row("arm, every page present (dirty PTEs)", "ms/GiB", "arm", j, c,
                "Java: ZapTracker.arm (MADV_DONTNEED over the region); C: madvise(MADV_DONTNEED). Pages mapped by "
                        + "MADV_POPULATE_WRITE (untimed, checked by PAGEMAP_SCAN) before each; " + med + "."));
        rows.add(row("hot scan, random 10 % written", "ms/GiB", "hotScan", j, c,
                "Java: ZapTracker.hotScan (PAGEMAP_SCAN PAGE_IS_PRESENT into a RoaringBitmap, checked page for page); "
                        + "C: the same ioctl loop (vec_len 4096) counting pages. After an arm + a 1-byte write to a "
                        + "random 10 % of pages; " + med + "."));
        rows.add(row("freeze, 1-page calls (scattered victims)", "µs/call", "freeze1", j, c,
                "Java: FreezeControl.writeProtect (ZapTracker.freezeControl(), as EvictionExecutor.evict freezes each "
                        + "run of victims) → Userfaultfd.writeProtect; C: ioctl(UFFDIO_WRITEPROTECT, MODE_WP). Every "
                        + STRIDE + "th page, zapped (not present, as armed cold pages are), 1 page per call; thaw untimed; "
                        + med + "."));
        rows.add(row("freeze, 256-page calls (one executor batch)", "µs/page", "freeze256", j, c,
                "As above, the whole region in runs of " + RUN + " contiguous zapped pages per call; " + med + "."));
        rows.add(row("punch, 1-page calls (scattered victims)", "µs/call", "punch1", j, c,
                "Java: GuestRegion.memfd().punchHole (Memfd.punchHole, as EvictionExecutor.evictBatch punches each "
                        + "run); C: fallocate(PUNCH_HOLE|KEEP_SIZE). Every " + STRIDE + "th page, zapped and frozen "
                        + "(write-protected) as during an eviction; re-fallocated untimed; " + med + "."));
        rows.add(row("punch, 256-page calls", "µs/page", "punch256", j, c,
                "As above, the whole region in runs of " + RUN + " pages per call; " + med + "."));
        String refault = timed + " scattered pages (after " + warm + " untimed), filled by memset, evicted, zapped, "
                + "read once each in random order (8 bytes) by a toucher pinned to CPU0, timed touch → return. Java: "
                + "evicted by TrackingEngine.executor().evict (EvictionExecutor into a LocalPageTier: freeze, pread, "
                + "CRC32C, LZ4, punch) + ZapTracker.arm; resolved by the engine's FaultLoop pinned to CPU0, prefetch "
                + "off (Refaulter: tier fetch, LZ4, CRC check, UFFDIO_COPY). C: pread to a buffer + punch + "
                + "MADV_DONTNEED; a handler thread pinned to CPU0 doing poll + read(uffd_msg) + UFFDIO_COPY from the "
                + "buffer.";
        rows.add(row("refault p50 (same CPU)", "µs", "refaultP50", j, c, refault));
        rows.add(row("refault p99 (same CPU)", "µs", "refaultP99", j, c, refault));
        return rows;
    }

    private static FloorRow row(String op, String unit, String key, Map<String, Double> j, Map<String, Double> c,
                                String how) {
        Double jv = j.get(key), cv = c.get(key);
        if (jv == null || cv == null) {
            throw new IllegalStateException("no figure '" + key + "' (Java " + jv + ", C " + cv + ")");
        }
        return new FloorRow(op, unit, jv, cv, how);
    }

    // ---------------------------------------------------------------- Java side

    private static Map<String, Double> measureJava(long regionBytes, int reps, int warm, int timed,
                                                   PrintStream progress) throws InterruptedException {
        Map<String, Double> out = new LinkedHashMap<>();
        try (GuestMemory mem = BenchGuest.create(regionBytes);
             ZapTracker tracker = new ZapTracker(mem);
             PagemapScan check = PagemapScan.self()) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            armScan(r, tracker, check, reps, out);
            progress.printf("  Java: arm %.2f ms/GiB, hot scan %.2f ms/GiB%n", out.get("arm"), out.get("hotScan"));
            freezePunch(r, tracker, check, reps, out);
            progress.printf("  Java: freeze %.3f µs/call, %.4f µs/page; punch %.3f µs/call, %.4f µs/page%n",
                    out.get("freeze1"), out.get("freeze256"), out.get("punch1"), out.get("punch256"));
            try (LocalPageTier tier = new LocalPageTier()) {
                refault(mem, tier, tracker, check, warm, timed, out, progress);
            }
        }
        return out;
    }

    private static void armScan(GuestRegion r, ZapTracker tracker, PagemapScan check, int reps,
                                Map<String, Double> out) throws InterruptedException {
        double perGiB = (double) (1L << 30) / r.size() / 1e6;
        int tenth = (int) (r.pages() / 10);
        double[] arm = new double[reps], scan = new double[reps];
        for (int rep = -WARMUP_REPS; rep < reps; rep++) {
            BenchGuest.onPlatformThread("guest-populate",
                    () -> Madvise.madvise(r.hostAddress(), r.size(), Madvise.MADV_POPULATE_WRITE));
            expectPresent(r, check, r.pages(), "MADV_POPULATE_WRITE");
            long t0 = System.nanoTime();
            tracker.arm(r);
            long ta = System.nanoTime() - t0;
            expectPresent(r, check, 0, "arm");
            int[] pages = BenchGuest.randomPages(r.pages(), tenth, 42 + rep);
            BenchGuest.onPlatformThread("guest-touch", () -> {
                for (int p : pages) {
                    Libc.memset(r.pageAddress(p), 0x5a, 1);
                }
            });
            for (int k = 0; rep < 0 && k < JIT_SCANS; k++) {
                tracker.hotScan(r); // untimed: the JIT compiles the per-run callback and the bitmap adds
            }
            t0 = System.nanoTime();
            RoaringBitmap hot = tracker.hotScan(r);
            long ts = System.nanoTime() - t0;
            if (!hot.equals(RoaringBitmap.bitmapOf(pages))) {
                throw new IllegalStateException("hot scan found " + hot.getLongCardinality() + " pages, "
                        + tenth + " written");
            }
            if (rep >= 0) {
                arm[rep] = ta * perGiB;
                scan[rep] = ts * perGiB;
            }
        }
        tracker.arm(r);
        out.put("arm", median(arm));
        out.put("hotScan", median(scan));
    }

    private static void freezePunch(GuestRegion r, ZapTracker tracker, PagemapScan check, int reps,
                                    Map<String, Double> out) throws InterruptedException {
        FreezeControl freeze = tracker.freezeControl();
        long pages = r.pages(), calls1 = pages / STRIDE, calls256 = pages / RUN;
        double[] f1 = new double[reps], f256 = new double[reps], p1 = new double[reps], p256 = new double[reps];
        tracker.arm(r);
        expectPresent(r, check, 0, "arm");
        // Untimed JIT warm-up of the downcalls (the repetitions alone make too few calls to reach C2).
        for (int i = 0; i < JIT_CALLS; i++) {
            long p = (long) i * STRIDE % pages;
            freeze.freeze(r, p, 1);
            freeze.thaw(r, p, 1);
            r.memfd().punchHole(r.memfdOffset(p), r.pageSize());
            r.memfd().allocate(r.memfdOffset(p), r.pageSize());
        }
        for (int rep = -WARMUP_REPS; rep < reps; rep++) {
            long t0 = System.nanoTime();
            for (long c = 0; c < calls1; c++) {
                freeze.freeze(r, c * STRIDE, 1);
            }
            long a = System.nanoTime() - t0;
            for (long c = 0; c < calls1; c++) {
                freeze.thaw(r, c * STRIDE, 1);
            }
            t0 = System.nanoTime();
            for (long c = 0; c < calls256; c++) {
                freeze.freeze(r, c * RUN, RUN);
            }
            long b = System.nanoTime() - t0;
            freeze.thaw(r, 0, pages);

            freeze.freeze(r, 0, pages);
            t0 = System.nanoTime();
            for (long c = 0; c < calls1; c++) {
                r.memfd().punchHole(r.memfdOffset(c * STRIDE), r.pageSize());
            }
            long c1 = System.nanoTime() - t0;
            r.memfd().allocate(0, r.size());
            t0 = System.nanoTime();
            for (long c = 0; c < calls256; c++) {
                r.memfd().punchHole(r.memfdOffset(c * RUN), RUN * r.pageSize());
            }
            long c2 = System.nanoTime() - t0;
            freeze.thaw(r, 0, pages);
            r.memfd().allocate(0, r.size());
            if (rep >= 0) {
                f1[rep] = a / (double) calls1 / 1e3;
                f256[rep] = b / (double) pages / 1e3;
                p1[rep] = c1 / (double) calls1 / 1e3;
                p256[rep] = c2 / (double) pages / 1e3;
            }
        }
        expectPresent(r, check, 0, "freeze/punch");
        out.put("freeze1", median(f1));
        out.put("freeze256", median(f256));
        out.put("punch1", median(p1));
        out.put("punch256", median(p256));
    }

    private static void refault(GuestMemory mem, LocalPageTier tier, ZapTracker tracker, PagemapScan check,
                                int warm, int timed, Map<String, Double> out, PrintStream progress)
            throws InterruptedException {
        GuestRegion r = mem.region(0);
        int n = warm + timed;
        int[] order = shuffled(BenchGuest.randomPages(r.pages(), n, 7), 8);
        FaultLoop.Config loop = FaultLoop.Config.defaults().withPrefetchWindow(0).withCpuMask(CPU0);
        TrackingEngine engine = new TrackingEngine(mem, tier, tracker, (scan, evictable) -> new RoaringBitmap(),
                TrackingEngine.Config.defaults().withEvict(false).withFaultLoop(loop), Clock.systemUTC(),
                "engine-floor");
        try {
            BenchGuest.onPlatformThread("guest-fill", () -> {
                for (int p : order) {
                    Libc.memset(r.pageAddress(p), BenchGuest.fillByte(p), r.pageSize());
                }
            });
            EvictionReport rep = engine.executor().evict(r, RoaringBitmap.bitmapOf(order));
            if (rep.evicted() != n || rep.zeroPages() != 0) {
                throw new IllegalStateException("evicted " + rep.evicted() + " of " + n + " pages ("
                        + rep.zeroPages() + " zero)");
            }
            tracker.arm(r);
            expectPresent(r, check, 0, "eviction + arm");
            progress.printf("  Java: %d pages evicted; refaulting (%d untimed, %d timed)…%n", n, warm, timed);
            FaultMetrics m = engine.metrics();
            BenchGuest.touchAndCheck(r, order, 0, warm, CPU0, null);
            quiesce(m);
            m.refaultLatencyInterval();
            long before = m.refaults.sum();
            Histogram guest = new Histogram(3);
            BenchGuest.touchAndCheck(r, order, warm, n, CPU0, guest);
            quiesce(m);
            Histogram handler = m.refaultLatencyInterval();
            long refaults = m.refaults.sum() - before;
            if (refaults != timed) {
                throw new IllegalStateException(refaults + " refaults for " + timed + " touches of evicted pages");
            }
            out.put("refaultP50", guest.getValueAtPercentile(50) / 1e3);
            out.put("refaultP99", guest.getValueAtPercentile(99) / 1e3);
            out.put("handlerP50", handler.getValueAtPercentile(50) / 1e3);
            progress.printf("  Java: refault p50 %.1f µs, p99 %.1f µs (handler's share p50 %.1f µs)%n",
                    out.get("refaultP50"), out.get("refaultP99"), out.get("handlerP50"));
        } finally {
            engine.close(); // restores every page still evicted
        }
    }


    /** The loop counts a refault after the UFFDIO_COPY that wakes the toucher: wait until it settles. */
    private static void quiesce(FaultMetrics m) throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 200; i++) {
            long now = m.messages.sum() + m.refaults.sum() + m.zeroFills.sum() + m.retries.sum();
            if (now == last) {
                return;
            }
            last = now;
            Thread.sleep(10);
        }
        throw new IllegalStateException("fault loop counters still moving 2 s after the last touch");
    }


    private static void expectPresent(GuestRegion r, PagemapScan check, long want, String after) {
        long[] present = {0};
        check.scan(r.hostAddress(), r.hostAddress() + r.size(), PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT),
                (s, e, c) -> present[0] += (e - s) / r.pageSize());
        if (present[0] != want) {
            throw new IllegalStateException("after " + after + ": " + present[0] + " pages present, expected " + want);
        }
    }

    /** {@code count} distinct pages of {@code [0, pages)} at random, ascending. */

    private static int[] shuffled(int[] pages, long seed) {
        return BenchGuest.shuffled(pages, seed);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    // ---------------------------------------------------------------- C side

    private static Map<String, Double> runC(Path binary, long regionBytes, boolean quick)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--size", Long.toString(regionBytes)));
        if (quick) {
            cmd.add("--quick");
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        Matcher m = LINE.matcher(Sys.run(cmd));
        while (m.find()) {
            figures.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return figures;
    }
}
