package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.FetchedPage;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.faultsource.tier.PageImage;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.faultsource.tier.PageTier;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Libc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refault's prefetch yields to a fault that is waiting: the fault loop is the only thread resolving faults, so a
 * window of neighbours fetched one by one from a slow tier would otherwise hold the next faulting thread for all of
 * them. Deterministic: the tier, while serving the first neighbour of page 10's window, makes a second thread fault
 * on page 40 and waits until that fault is queued; the loop must then stop prefetching, serve page 40, and leave the
 * rest of page 10's window evicted. Both threads must read their pages' contents back.
 */
@Tag("kernel")
@Timeout(60)
class PrefetchYieldIT {
    static final int PAGES = 64;
    static final long PAGE = 4096;

    @Test
    void prefetchStopsWhenAnotherFaultIsQueued() throws Exception {
        KernelTests.assumeUserfaultfd();
        FaultMetrics metrics = new FaultMetrics();
        try (GuestMemory mem = GuestMemory.create(List.of(RegionSpec.local(0, PAGES * PAGE, PAGE)), Registration.ZAP);
             LocalPageTier local = new LocalPageTier()) {
            GuestRegion r = mem.region(0);
            AtomicInteger fetches = new AtomicInteger();
            AtomicReference<Thread> second = new AtomicReference<>();
            AtomicReference<Byte> secondRead = new AtomicReference<>();
            PageTier tier = new Delegating(local) {
                @Override
                public FetchedPage fetch(PageKey key, MemorySegment into) {
                    if (fetches.incrementAndGet() == 2) { // page 10's own fetch was #1: this is its first neighbour
                        Thread t = Thread.ofPlatform().start(() -> secondRead.set(readByte(r, 40)));
                        second.set(t);
                        long deadline = System.nanoTime() + 10_000_000_000L;
                        while (!mem.uffd().hasMessages() && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                    }
                    return super.fetch(key, into);
                }
            };
            // The loop runs from the start: the first touch of a page of the fresh memfd is a MISSING fault too.
            FaultLoop loop = new FaultLoop(mem, tier, metrics, FaultLoop.Config.defaults().withPrefetchWindow(8), "yield")
                    .start();
            EvictionExecutor exec = new EvictionExecutor(mem, tier, FreezeControl.writeProtect(mem), metrics,
                    EvictionExecutor.Config.defaults());
            try {
                onPlatformThread(() -> {
                    for (int p = 0; p < PAGES; p++) {
                        Libc.memset(r.pageAddress(p), fill(p), PAGE);
                    }
                });
                RoaringBitmap all = new RoaringBitmap();
                all.add(0L, PAGES);
                assertThat(exec.evict(r, all).evicted()).isEqualTo(PAGES);
                assertThat(fetches.get()).as("nothing fetched before the first refault").isZero();
                for (int p = 0; p < PAGES; p++) {
                    assertThat(r.states().get(p)).as("page %d after the eviction", p).isEqualTo(PageState.EVICTED);
                }

                AtomicReference<Byte> firstRead = new AtomicReference<>();
                onPlatformThread(() -> firstRead.set(readByte(r, 10)));
                // The loop prefetches after the UFFDIO_COPY that woke the reader: wait for it to get there.
                long until = System.nanoTime() + 10_000_000_000L;
                while (second.get() == null && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
                assertThat(second.get()).as("the tier was asked for page 10's first neighbour (fetches %d, messages %d, "
                        + "yields %d, prefetched %d, refaults %d, zero fills %d)", fetches.get(), metrics.messages.sum(),
                        metrics.prefetchYields.sum(), metrics.prefetched.sum(), metrics.refaults.sum(),
                        metrics.zeroFills.sum()).isNotNull();
                second.get().join(10_000);

                assertThat(firstRead.get()).isEqualTo((byte) fill(10));
                assertThat(secondRead.get()).isEqualTo((byte) fill(40));
                assertThat(metrics.prefetchYields.sum()).as("prefetch around page 10 yielded").isGreaterThanOrEqualTo(1);
                // Page 10's window is 2..18: its first neighbour (2) came back, the rest were left for later.
                assertThat(r.states().get(2)).isEqualTo(PageState.RESIDENT);
                for (int p = 3; p <= 18; p++) {
                    if (p != 10) {
                        assertThat(r.states().get(p)).as("page %d", p).isEqualTo(PageState.EVICTED);
                    }
                }
                assertThat(loop.failure()).isNull();
            } finally {
                loop.close();
                exec.restoreAll();
            }
        }
    }

    private static int fill(int p) {
        return 1 + p % 251;
    }

    /** One byte of page {@code p}, read by memcpy on the calling (platform) thread: faults if the page is out. */
    private static byte readByte(GuestRegion r, int p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(8, 8);
            Libc.memcpy(b.address(), r.pageAddress(p), 8);
            return b.get(ValueLayout.JAVA_BYTE, 0);
        }
    }

    private static void onPlatformThread(Runnable task) throws InterruptedException {
        Thread t = Thread.ofPlatform().start(task);
        t.join();
    }

    /** Passes everything to another tier; subclasses override what they observe. */
    private static class Delegating implements PageTier {
        private final PageTier inner;

        Delegating(PageTier inner) {
            this.inner = inner;
        }

        @Override
        public CompletableFuture<Void> store(List<PageImage> pages) {
            return inner.store(pages);
        }

        @Override
        public FetchedPage fetch(PageKey key, MemorySegment into) {
            return inner.fetch(key, into);
        }

        @Override
        public void drop(PageKey key, long version) {
            inner.drop(key, version);
        }

        @Override
        public String describe() {
            return "delegating to " + inner.describe();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
