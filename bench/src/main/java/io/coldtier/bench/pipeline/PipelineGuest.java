package io.coldtier.bench.pipeline;

import io.coldtier.bench.BenchGuest;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.linux.Libc;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Every access the pipeline benchmark makes to guest memory: {@link Libc} downcalls on platform threads started by
 * {@link BenchGuest#onPlatformThread}, never MemorySegment get/set on a guest address and never on the thread that
 * drives the benchmark (the fault loop resolving these pages runs in this JVM: architecture.md, safepoint invariant).
 */
final class PipelineGuest {
    static final long PAGE = BenchGuest.PAGE;
    /** Pages in the off-heap template copied over the guest (16 MiB). */
    private static final int TEMPLATE_PAGES = 4096;
    /** Added to a page's index to make its stamp, so no stamp is zero. */
    private static final long STAMP_BASE = 0x5EED_0000_0000L;

    /** How one pass of touches went. */
    record Touches(long pages, long nanos, long wrong) {}

    private PipelineGuest() {}

    /** The first 8 bytes of page {@code p}: distinct per page and never zero. */
    static long stamp(long p) {
        return STAMP_BASE + p;
    }

    /**
     * Fills every page with compressible, page-distinct, non-zero contents: 1 KiB of random bytes, 3 KiB of a
     * repeating text pattern (LZ4 gets about 3.2:1, as in {@code bench tracking}), and the page's {@link #stamp}
     * in its first 8 bytes. The template is this process's own memory; only the memcpy touches the guest.
     */
    static void fill(GuestRegion r, long seed) throws InterruptedException {
        long pages = r.pages();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment template = template(arena, seed);
            BenchGuest.onPlatformThread("guest-fill", () -> {
                for (long first = 0; first < pages; first += TEMPLATE_PAGES) {
                    long n = Math.min(TEMPLATE_PAGES, pages - first);
                    for (long i = 0; i < n; i++) {
                        template.set(ValueLayout.JAVA_LONG_UNALIGNED, i * PAGE, stamp(first + i));
                    }
                    Libc.memcpy(r.pageAddress(first), template.address(), n * PAGE);
                }
            });
        }
    }

    private static MemorySegment template(Arena arena, long seed) {
        MemorySegment t = arena.allocate(TEMPLATE_PAGES * PAGE, PAGE);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long p = 0; p < TEMPLATE_PAGES; p++) {
            long base = p * PAGE;
            for (long i = 0; i < 1024; i += 8) {
                t.set(ValueLayout.JAVA_LONG_UNALIGNED, base + i, rnd.nextLong());
            }
            byte[] pattern = ("page " + p + " of a guest that holds ordinary data; ")
                    .getBytes(StandardCharsets.US_ASCII);
            for (long i = 1024; i < PAGE; i++) {
                t.set(ValueLayout.JAVA_BYTE, base + i, pattern[(int) ((i - 1024) % pattern.length)]);
            }
        }
        return t;
    }

    /**
     * Reads the first 8 bytes of each page of {@code order}, in that order, on one platform thread, and checks them
     * against the page's stamp. When {@code into} is given, each read from index {@code recordFrom} on is timed
     * ({@code System.nanoTime} around the memcpy downcall) into it, in nanoseconds; an evicted page's read is the
     * whole refault as the guest sees it.
     */
    static Touches touch(GuestRegion r, int[] order, Histogram into, int recordFrom) throws InterruptedException {
        long[] wrong = {0};
        long t0 = System.nanoTime();
        BenchGuest.onPlatformThread("guest-toucher", () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment scratch = arena.allocate(8, 8);
                for (int i = 0; i < order.length; i++) {
                    int p = order[i];
                    long s = System.nanoTime();
                    Libc.memcpy(scratch.address(), r.pageAddress(p), 8);
                    long dt = System.nanoTime() - s;
                    if (into != null && i >= recordFrom) {
                        into.recordValue(Math.max(1, dt));
                    }
                    if (scratch.get(ValueLayout.JAVA_LONG, 0) != stamp(p)) {
                        wrong[0]++;
                    }
                }
            }
        });
        return new Touches(order.length, System.nanoTime() - t0, wrong[0]);
    }
}
