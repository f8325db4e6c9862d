package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.PageImage;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.faultsource.tier.PageTier;
import io.coldtier.linux.Userfaultfd;
import org.roaringbitmap.IntConsumer;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The eviction protocol (architecture.md, cycle step 6), for one region at a time:
 *
 * <ol>
 *   <li>claim the victims (RESIDENT → FROZEN) and freeze them (zap: UFFDIO_WRITEPROTECT);</li>
 *   <li>per batch: pread the pages from the memfd (never through a second mapping), hand them to
 *       the tier and wait for its durability ack;</li>
 *   <li>only then, for pages no guest touch cancelled, FALLOC_FL_PUNCH_HOLE in runs;</li>
 *   <li>UFFDIO_WAKE the victims (writers trapped on punched pages retry and fault MISSING, to be
 *       refilled from the durable copy) and thaw them.</li>
 * </ol>
 *
 * A tier failure or a missing ack before the deadline cancels every page not yet punched: a page
 * never leaves guest memory without a durable copy. Not thread-safe: one executor per engine,
 * called from the detection cycle.
 */
public final class EvictionExecutor implements AutoCloseable {
    /** @param batchPages pages per tier batch; @param ackTimeout longest wait for a durability ack */
    public record Config(int batchPages, Duration ackTimeout) {
        public static Config defaults() {
            return new Config(256, Duration.ofSeconds(30));
        }
    }

    private final GuestMemory memory;
    private final PageTier tier;
    private final FreezeControl freeze;
    private final FaultMetrics metrics;
    private final Config config;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment zeros;
    private final Refaulter restorer;

    public EvictionExecutor(GuestMemory memory, PageTier tier, FreezeControl freeze, FaultMetrics metrics,
                            Config config) {
        this.memory = memory;
        this.tier = tier;
        this.freeze = freeze;
        this.metrics = metrics;
        this.config = config;
        long maxPage = memory.regions().stream().mapToLong(GuestRegion::pageSize).max().orElse(4096);
        this.buffer = arena.allocate(maxPage * config.batchPages(), 4096);
        this.zeros = arena.allocate(maxPage, 4096);
        this.restorer = new Refaulter(memory, tier, metrics);
    }

    /** Evicts those of {@code candidates} (page indexes of {@code r}) that are resident. */
    public EvictionReport evict(GuestRegion r, RoaringBitmap candidates) {
        long t0 = System.nanoTime();
        PageStates states = r.states();
        RoaringBitmap frozen = new RoaringBitmap();
        candidates.forEach((IntConsumer) p -> {
            if (states.freeze(p)) {
                frozen.add(p);
            }
        });
        if (frozen.isEmpty()) {
            return new EvictionReport(candidates.getLongCardinality(), 0, 0, 0, 0, 0, System.nanoTime() - t0);
        }
        forEachRun(frozen, (first, count) -> freeze.freeze(r, first, count));
        long evicted = 0;
        long zeroPages = 0;
        RuntimeException failure = null;
        try {
            int[] pages = frozen.toArray();
            for (int from = 0; from < pages.length; from += config.batchPages()) {
                int to = Math.min(pages.length, from + config.batchPages());
                long[] done = evictBatch(r, pages, from, to);
                evicted += done[0];
                zeroPages += done[1];
            }
        } catch (RuntimeException e) {
            failure = e;
            // Nothing not yet punched may leave: cancel the rest of the victims.
            frozen.forEach((IntConsumer) p -> states.cancel(p));
        } finally {
            Userfaultfd uffd = memory.uffd();
            forEachRun(frozen, (first, count) -> uffd.wake(r.pageAddress(first), count * r.pageSize()));
            forEachRun(frozen, (first, count) -> freeze.thaw(r, first, count));
            frozen.forEach((IntConsumer) p -> states.uncancel(p));
        }
        if (failure != null) {
            throw failure;
        }
        long cancelled = frozen.getLongCardinality() - evicted;
        metrics.evictedPages.add(evicted);
        metrics.evictedZeroPages.add(zeroPages);
        metrics.evictedBytes.add(evicted * r.pageSize());
        return new EvictionReport(candidates.getLongCardinality(), frozen.getLongCardinality(), evicted, zeroPages,
                cancelled, evicted * r.pageSize(), System.nanoTime() - t0);
    }

    /** One batch: read, store durably, punch. Returns {evicted, zero pages}. */
    private long[] evictBatch(GuestRegion r, int[] pages, int from, int to) {
        PageStates states = r.states();
        long size = r.pageSize();
        // pread contiguous runs of the batch into the buffer, page i of the batch at i * size
        int i = from;
        while (i < to) {
            int j = i + 1;
            while (j < to && pages[j] == pages[j - 1] + 1) {
                j++;
            }
            r.memfd().pread(buffer.asSlice((i - from) * size), (j - i) * size, r.memfdOffset(pages[i]));
            i = j;
        }
        List<PageImage> images = new ArrayList<>(to - from);
        long zero = 0;
        for (int k = from; k < to; k++) {
            int p = pages[k];
            if (states.get(p) != PageState.FROZEN) {
                continue; // cancelled by a touch: not worth storing
            }
            MemorySegment page = buffer.asSlice((k - from) * size, size);
            boolean isZero = MemorySegment.mismatch(page, 0, size, zeros, 0, size) == -1;
            zero += isZero ? 1 : 0;
            images.add(new PageImage(new PageKey(r.index(), p), states.nextVersion(p),
                    isZero ? 0 : Refaulter.crc32c(page, size), isZero,
                    isZero ? new byte[0] : page.toArray(ValueLayout.JAVA_BYTE)));
        }
        if (images.isEmpty()) {
            return new long[] {0, 0};
        }
        awaitDurable(images);
        // Punch only what is still frozen; a page cancelled meanwhile keeps its (newer) contents.
        List<Integer> punched = new ArrayList<>(images.size());
        for (PageImage img : images) {
            int p = (int) img.key().page();
            if (states.beginPunch(p, img.version())) {
                punched.add(p);
            } else {
                tier.drop(img.key(), img.version());
                if (img.zero()) {
                    zero--;
                }
            }
        }
        int a = 0;
        while (a < punched.size()) {
            int b = a + 1;
            while (b < punched.size() && punched.get(b) == punched.get(b - 1) + 1) {
                b++;
            }
            r.memfd().punchHole(r.memfdOffset(punched.get(a)), (long) (b - a) * size);
            a = b;
        }
        for (int p : punched) {
            states.endPunch(p);
        }
        return new long[] {punched.size(), zero};
    }

    private void awaitDurable(List<PageImage> images) {
        try {
            tier.store(images).get(config.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the tier's durability ack", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("tier failed to store " + images.size() + " pages: " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no durability ack from " + tier.describe() + " within "
                    + config.ackTimeout() + ": eviction cancelled", e);
        }
    }

    /**
     * Brings every evicted page of every region back (UFFDIO_COPY with DONTWAKE, one WAKE per
     * region), e.g. before shutdown: the uffd must never be closed with pages out. Returns the
     * number of pages restored; poisoned pages are reported in the metrics and not counted.
     */
    public long restoreAll() {
        if (!memory.ownerAlive()) {
            // Its address space is gone: nothing to restore into. The copies stay in the tier.
            return 0;
        }
        long restored = 0;
        for (GuestRegion r : memory.regions()) {
            PageStates states = r.states();
            for (long p = 0; p < r.pages(); p++) {
                PageState s = states.get(p);
                while (s == PageState.EVICTED || s.transient_()) {
                    if (s == PageState.EVICTED) {
                        Refaulter.Result res = restorer.refault(r, p, Userfaultfd.COPY_MODE_DONTWAKE);
                        if (res == Refaulter.Result.FILLED) {
                            restored++;
                        } else if (res == Refaulter.Result.RETRY) {
                            Thread.onSpinWait();
                        }
                    } else {
                        try {
                            states.awaitSettled(p, Duration.ofSeconds(10));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted during restore", e);
                        }
                    }
                    s = states.get(p);
                }
            }
            memory.uffd().wake(r.hostAddress(), r.size());
        }
        return restored;
    }

    @FunctionalInterface
    interface RunConsumer {
        void run(long first, long count);
    }

    static void forEachRun(RoaringBitmap pages, RunConsumer c) {
        PeekableIntIterator it = pages.getIntIterator();
        if (!it.hasNext()) {
            return;
        }
        int first = it.next();
        int prev = first;
        while (it.hasNext()) {
            int p = it.next();
            if (p != prev + 1) {
                c.run(first, prev - first + 1L);
                first = p;
            }
            prev = p;
        }
        c.run(first, prev - first + 1L);
    }

    @Override
    public void close() {
        restorer.close();
        arena.close();
    }
}
