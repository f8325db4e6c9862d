package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;
import io.coldtier.linux.struct.PageRegion;
import io.coldtier.linux.struct.PmScanArg;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * PAGEMAP_SCAN ({@code ioctl(/proc/<pid>/pagemap, 0xC0606610)}, Linux 6.7+): which pages of a
 * range are present / written / accessed, as runs. Owns the pagemap descriptor and a reusable
 * result vector; one scan at a time (calls are serialised).
 *
 * <p><b>Completion rule.</b> On 6.18 {@code walk_end} is stale once a walk passes 512 regions
 * (the kernel only updates it on an internal ENOSPC), so a loop resuming at {@code walk_end} counts
 * pages twice. The walk is complete when the ioctl returned fewer entries than {@code vec_len}
 * (and {@code max_pages} was not hit); otherwise resume at {@code max(walk_end, vec[n-1].end)}
 * (stock-kernel-tracking.md §0).
 */
public final class PagemapScan implements AutoCloseable {
    /** PAGE_IS_* categories (bits of page_region.categories). */
    public static final long PAGE_IS_WPALLOWED = 1L, PAGE_IS_WRITTEN = 1L << 1, PAGE_IS_FILE = 1L << 2,
            PAGE_IS_PRESENT = 1L << 3, PAGE_IS_SWAPPED = 1L << 4, PAGE_IS_PFNZERO = 1L << 5,
            PAGE_IS_HUGE = 1L << 6, PAGE_IS_SOFT_DIRTY = 1L << 7, PAGE_IS_GUARD = 1L << 8,
            /** RWP series only: touched since the last UFFDIO_RWPROTECT arming. */
            PAGE_IS_ACCESSED = 1L << 9;
    public static final long PM_SCAN_WP_MATCHING = 1L, PM_SCAN_CHECK_WPASYNC = 1L << 1;
    public static final long PAGEMAP_SCAN = 0xC0606610L;

    /** Receives runs as they come, without allocating. */
    @FunctionalInterface
    public interface RunSink {
        void run(long start, long end, long categories);
    }

    /** Masks of one scan: which pages match, and which category bits to report. */
    public record Query(long categoryMask, long categoryInverted, long categoryAnyofMask, long returnMask) {
        /** Pages that have every bit of {@code mask}; report those bits. */
        public static Query having(long mask) {
            return new Query(mask, 0, 0, mask);
        }
    }

    private final OwnedFd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment arg;
    private final MemorySegment vec;
    private final int vecLen;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private PagemapScan(OwnedFd fd, int vecLen) {
        this.fd = fd;
        this.vecLen = vecLen;
        this.arg = PmScanArg.allocate(arena);
        this.vec = arena.allocate(PageRegion.SIZE * vecLen, 8);
    }

    /** Scans this process. */
    public static PagemapScan self() {
        return open(Path.of("/proc/self/pagemap"), 4096);
    }

    /** Scans process {@code pid} (needs ptrace-read access: same uid with CAP, or root). */
    public static PagemapScan of(int pid) {
        return open(Path.of("/proc/" + pid + "/pagemap"), 4096);
    }

    public static PagemapScan open(Path pagemap, int vecLen) {
        return new PagemapScan(Libc.open(pagemap, Libc.O_RDONLY), vecLen);
    }

    /**
     * Scans {@code [start, end)} and hands every matching run to {@code sink}. Returns the number
     * of ioctl calls made (at least 1).
     */
    public synchronized int scan(long start, long end, Query q, RunSink sink) {
        if (!open.get()) {
            throw new IllegalStateException("PagemapScan is closed");
        }
        int calls = 0;
        long from = start;
        while (from < end) {
            arg.fill((byte) 0);
            PmScanArg.size(arg, PmScanArg.SIZE);
            PmScanArg.start(arg, from);
            PmScanArg.end(arg, end);
            PmScanArg.vec(arg, vec.address());
            PmScanArg.vecLen(arg, vecLen);
            PmScanArg.categoryMask(arg, q.categoryMask());
            PmScanArg.categoryInverted(arg, q.categoryInverted());
            PmScanArg.categoryAnyofMask(arg, q.categoryAnyofMask());
            PmScanArg.returnMask(arg, q.returnMask());
            int n = Syscalls.ioctl(fd.get(), PAGEMAP_SCAN, arg, "PAGEMAP_SCAN");
            calls++;
            long lastEnd = from;
            for (int i = 0; i < n; i++) {
                MemorySegment r = PageRegion.at(vec, i);
                lastEnd = PageRegion.end(r);
                sink.run(PageRegion.start(r), lastEnd, PageRegion.categories(r));
            }
            if (n < vecLen) {
                return calls; // complete: walk_end may be stale, the short result is not
            }
            long next = Math.max(PmScanArg.walkEnd(arg), lastEnd);
            if (next <= from) {
                throw new IllegalStateException("PAGEMAP_SCAN made no progress at 0x" + Long.toHexString(from));
            }
            from = next;
        }
        return calls;
    }

    /** Convenience: the runs as a list (allocates; for tests and cold paths). */
    public List<PageRun> scan(long start, long end, Query q) {
        List<PageRun> runs = new ArrayList<>();
        scan(start, end, q, (s, e, c) -> runs.add(new PageRun(s, e, c)));
        return runs;
    }

    /** Pages of {@code [start, end)} that are present (the zap backend's hot scan). */
    public List<PageRun> present(long start, long end) {
        return scan(start, end, Query.having(PAGE_IS_PRESENT));
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            synchronized (this) {
                arena.close();
            }
            fd.close();
        }
    }
}
