package io.coldtier.bench;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.Libc;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.PagemapScan;

import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Guest memory for the tracking benchmarks and every access the benchmarks make to it.
 *
 * <p><b>Safepoint hazard</b> (architecture.md, invariants): the fault loop resolving these pages
 * runs in this JVM, so guest pages are touched only through {@link Libc} downcalls, on platform
 * threads started here ({@link #onPlatformThread}), never with MemorySegment get/set on a guest
 * address and never on the thread that drives the engine.
 */
public final class BenchGuest {
    public static final long PAGE = RegionSpec.PAGE_4K;
    private static final Duration ACCESS_TIMEOUT = Duration.ofSeconds(120);

    private BenchGuest() {}

    /** One region of {@code bytes}, 4 KiB pages, registered MISSING|WP (the zap backend). */
    public static GuestMemory create(long bytes) {
        return GuestMemory.create(java.util.List.of(RegionSpec.local(0, bytes, PAGE)), Registration.ZAP);
    }

    /**
     * fallocate()s the whole memfd. Afterwards no hole remains, so neither MADV_POPULATE_WRITE nor
     * a touch can raise a MISSING fault; without this, populate would block in handle_userfault
     * (stock-kernel-tracking.md §0, q6) and a touch would need a running fault loop.
     */
    public static void allocate(GuestRegion r) {
        r.memfd().allocate(0, r.size());
    }

    /**
     * Maps every page writable (MADV_POPULATE_WRITE) on a platform thread and checks with
     * PAGEMAP_SCAN that every page is present. Requires {@link #allocate} first; a hang would show
     * as an error after the access timeout instead of freezing the benchmark.
     */
    static void populate(GuestRegion r, PagemapScan scan) throws InterruptedException {
        populate(r, scan, Madvise.MADV_POPULATE_WRITE);
    }

    /** {@link #populate} with MADV_POPULATE_READ or _WRITE (read: clean PTEs, mapped read-only). */
    static void populate(GuestRegion r, PagemapScan scan, int advice) throws InterruptedException {
        onPlatformThread("guest-populate", () -> Madvise.madvise(r.hostAddress(), r.size(), advice));
        long present = presentPages(r, scan);
        if (present != r.pages()) {
            throw new IllegalStateException("MADV_POPULATE (advice " + advice + ") left " + (r.pages() - present)
                    + " of " + r.pages() + " pages unmapped");
        }
    }

    static long presentPages(GuestRegion r, PagemapScan scan) {
        long[] pages = {0};
        scan.scan(r.hostAddress(), r.hostAddress() + r.size(), PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT),
                (s, e, c) -> pages[0] += (e - s) / r.pageSize());
        return pages[0];
    }

    /** Writes one byte to each of {@code pages} (memset downcalls, platform thread). */
    static void touchWrite(GuestRegion r, int[] pages) throws InterruptedException {
        onPlatformThread("guest-touch", () -> {
            for (int p : pages) {
                Libc.memset(r.pageAddress(p), 0x5a, 1);
            }
        });
    }

    /** The byte {@link #fillPages} writes into page {@code p}: never 0, so a zero page shows. */
    public static int fillByte(long p) {
        return (int) (1 + p % 251);
    }

    /** Fills each of {@code pages} entirely with {@link #fillByte} (memset downcalls, platform thread). */
    static void fillPages(GuestRegion r, int[] pages) throws InterruptedException {
        onPlatformThread("guest-fill", () -> {
            for (int p : pages) {
                Libc.memset(r.pageAddress(p), fillByte(p), r.pageSize());
            }
        });
    }

    /**
     * Fills the whole region with compressible but non-trivial contents: per page 1 KiB of random
     * bytes, then 3 KiB of a repeating text pattern that names the page. Built off-heap in a
     * 16 MiB template (own memory, not the guest's) and copied into the guest with memcpy.
     */
    static void fillRealistic(GuestRegion r, long seed) throws InterruptedException {
        long templatePages = Math.min(4096, r.pages());
        try (Arena arena = Arena.ofShared()) {
            MemorySegment template = template(arena, templatePages, seed);
            long chunk = templatePages * PAGE;
            onPlatformThread("guest-fill", () -> {
                for (long off = 0; off < r.size(); off += chunk) {
                    Libc.memcpy(r.hostAddress() + off, template.address(), Math.min(chunk, r.size() - off));
                }
            });
        }
    }

    /**
     * Like {@link #fillRealistic} for {@code pages} only, with the first 8 bytes of each page set
     * to {@link #fillByte} so a reader can check it got the right page back.
     */
    static void fillRealisticPages(GuestRegion r, int[] pages, long seed) throws InterruptedException {
        int templatePages = 256;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment template = template(arena, templatePages, seed);
            onPlatformThread("guest-fill", () -> {
                for (int i = 0; i < pages.length; i++) {
                    long addr = r.pageAddress(pages[i]);
                    Libc.memcpy(addr, template.address() + (i % templatePages) * PAGE, PAGE);
                    Libc.memset(addr, fillByte(pages[i]), 8);
                }
            });
        }
    }

    /** {@code pages} template pages off-heap: 1 KiB random, then 3 KiB of text naming the page. */
    private static MemorySegment template(Arena arena, long pages, long seed) {
        MemorySegment template = arena.allocate(pages * PAGE, PAGE);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long p = 0; p < pages; p++) {
            long base = p * PAGE;
            for (long i = 0; i < 1024; i += 8) {
                template.set(ValueLayout.JAVA_LONG_UNALIGNED, base + i, rnd.nextLong());
            }
            byte[] pattern = ("page " + p + " of a guest that holds ordinary data; ").getBytes(StandardCharsets.US_ASCII);
            for (long i = 1024; i < PAGE; i++) {
                template.set(ValueLayout.JAVA_BYTE, base + i, pattern[(int) ((i - 1024) % pattern.length)]);
            }
        }
        return template;
    }

    /** {@code count} distinct pages of {@code [0, pages)}, chosen at random, in ascending order. */
    public static int[] randomPages(long pages, int count, long seed) {
        if (count > pages) {
            throw new IllegalArgumentException(count + " pages wanted of " + pages);
        }
        int[] all = new int[Math.toIntExact(pages)];
        Arrays.setAll(all, i -> i);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) { // partial Fisher–Yates: the first count are a uniform sample
            int j = i + rnd.nextInt(all.length - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] pick = Arrays.copyOf(all, count);
        Arrays.sort(pick);
        return pick;
    }

    /** A shuffled copy of {@code pages}. */
    public static int[] shuffled(int[] pages, long seed) {
        int[] s = pages.clone();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = s.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /** {@code count} consecutive pages from {@code first}. */
    static int[] range(int first, int count) {
        int[] pages = new int[count];
        Arrays.setAll(pages, i -> first + i);
        return pages;
    }

    /** Guest access as a body that may throw (the toucher loops). */
    @FunctionalInterface
    public interface Access {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} on a fresh platform thread and waits for it: guest accesses never run on
     * the thread that drives the engine. A body still running after the timeout is an error.
     */
    public static void onPlatformThread(String name, Access body) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().name(name).daemon(true).start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.join(ACCESS_TIMEOUT);
        if (t.isAlive()) {
            throw new IllegalStateException(name + " did not finish within " + ACCESS_TIMEOUT
                    + " (blocked in a fault nobody resolves?)");
        }
        if (failure[0] != null) {
            throw new IllegalStateException(name + " failed: " + failure[0], failure[0]);
        }
    }

    /**
     * Reads 8 bytes of each page of {@code order[from, to)} on a platform thread pinned to
     * {@code cpu} (0 = not pinned), timing each read into {@code into} when given, and checks the
     * bytes against the fill. The thread's affinity is restored afterwards.
     */
    public static void touchAndCheck(GuestRegion r, int[] order, int from, int to, long cpu, Histogram into)
            throws InterruptedException {
        AtomicLong wrong = new AtomicLong();
        BenchGuest.onPlatformThread("refault-toucher", () -> {
            long affinity = Libc.getAffinity();
            try (Arena arena = Arena.ofConfined()) {
                if (cpu != 0) {
                    Libc.setAffinity(cpu);
                }
                MemorySegment scratch = arena.allocate(8, 8);
                for (int i = from; i < to; i++) {
                    int p = order[i];
                    long t0 = System.nanoTime();
                    Libc.memcpy(scratch.address(), r.pageAddress(p), 8);
                    long dt = System.nanoTime() - t0;
                    if (into != null) {
                        into.recordValue(Math.max(1, dt));
                    }
                    if (scratch.get(ValueLayout.JAVA_BYTE, 0) != (byte) fillByte(p)) {
                        wrong.incrementAndGet();
                    }
                }
            } finally {
                Libc.setAffinity(affinity);
            }
        });
        if (wrong.get() != 0) {
            throw new IllegalStateException(wrong.get() + " refaulted pages did not hold their evicted contents");
        }
    }
}
