package io.coldtier.scanner;

import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.PageState;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.faultsource.tier.PageKey;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guest memory owned by another process (a small C "VMM"): tracking through the remote arm path
 * (process_madvise(MADV_PAGEOUT) with re-scan), evictions and refaults across the process
 * boundary, and a corrupt stored copy being poisoned instead of mapped.
 */
@Tag("kernel")
@Timeout(180)
class RemoteGuestIT {
    static final int PAGES = 1024;

    @Test
    void remoteArm_byPageoutWithRescan_tracksTheChildsAccessesExactly(@TempDir Path dir) throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        try (ChildGuest g = ChildGuest.start(dir, PAGES);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(g.memory)) {
            TrackingEngine engine = new TrackingEngine(g.memory, tier, tracker, (s, e) -> new RoaringBitmap(),
                    TrackingEngine.Config.defaults().withEvict(false), Clock.systemUTC(), "remote");
            SplittableRandom rnd = new SplittableRandom(99);
            long unarmedTotal = 0;
            try {
                for (int c = 0; c < 6; c++) {
                    Instant at = engine.arm();
                    unarmedTotal += tracker.lastUnarmed();
                    RoaringBitmap truth = new RoaringBitmap();
                    for (int i = 0; i < 40; i++) {
                        int p = rnd.nextInt(PAGES);
                        truth.add(p);
                        String reply = g.command((i % 2 == 0 ? "r " : "w ") + p + " 1");
                        assertThat(reply).startsWith("ok");
                    }
                    RoaringBitmap hot = engine.finishCycle(at, 0).getFirst().scan().accessed();
                    assertThat(hot).as("cycle %d", c).isEqualTo(truth);
                }
            } finally {
                engine.close();
            }
            System.out.printf("remote arm: pages PAGEOUT left mapped after all retries, summed over cycles: %d%n",
                    unarmedTotal);
            g.memory.close();
        }
    }

    @Test
    void evictedPagesOfAnotherProcess_refaultWithTheirLastContents(@TempDir Path dir) throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        try (ChildGuest g = ChildGuest.start(dir, PAGES);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(g.memory)) {
            GuestRegion r = g.memory.region(0);
            TrackingEngine engine = new TrackingEngine(g.memory, tier, tracker,
                    new IdleCyclesPolicy(new long[] {PAGES}, 1, PAGES), TrackingEngine.Config.defaults(),
                    Clock.systemUTC(), "remote-evict");
            try {
                assertThat(g.command("w 5 200")).isEqualTo("ok");
                Instant at = engine.arm();
                assertThat(g.command("r 3")).startsWith("ok");
                var report = engine.finishCycle(at, 0).getFirst();
                assertThat(report.eviction().evicted()).as("all but the touched page").isEqualTo(PAGES - 1);
                assertThat(r.states().get(5)).isEqualTo(PageState.EVICTED);
                // The child reads evicted pages: MISSING faults, refilled from the tier.
                for (int p : new int[] {0, 1, 700, 1023}) {
                    assertThat(g.command("r " + p)).isEqualTo("ok " + Long.toUnsignedString(ChildGuest.expectedSum(p)));
                }
                // Page 5 was written (byte 100 = 200) before its eviction: the write came back too.
                String after = g.command("r 5");
                assertThat(after).startsWith("ok").isNotEqualTo("ok " + Long.toUnsignedString(ChildGuest.expectedSum(5)));
                assertThat(after).isEqualTo("ok " + Long.toUnsignedString(sumWithByte(5, 100, 200)));
                assertThat(engine.metrics().refaults.sum() + engine.metrics().prefetched.sum()).isPositive();
            } finally {
                engine.close();
            }
            assertThat(g.memory.evictedPages()).as("shutdown restored everything").isZero();
            for (int p : new int[] {2, 900}) {
                assertThat(g.command("r " + p)).isEqualTo("ok " + Long.toUnsignedString(ChildGuest.expectedSum(p)));
            }
            g.memory.close();
        }
    }

    static long sumWithByte(long page, int offset, int value) {
        long sum = 0;
        for (int j = 0; j < 4096; j++) {
            sum = sum * 31 + (j == offset ? value : ((page * 7 + j) & 0xff));
        }
        return sum;
    }

    @Test
    void corruptStoredCopy_isPoisonedNeverMapped_andTheToucherGetsSigbus(@TempDir Path dir) throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        try (ChildGuest g = ChildGuest.start(dir, PAGES);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(g.memory);
             Arena arena = Arena.ofConfined()) {
            GuestRegion r = g.memory.region(0);
            TrackingEngine engine = new TrackingEngine(g.memory, tier, tracker,
                    new IdleCyclesPolicy(new long[] {PAGES}, 1, PAGES), TrackingEngine.Config.defaults()
                    .withFaultLoop(io.coldtier.faultsource.FaultLoop.Config.defaults().withPrefetchWindow(0)),
                    Clock.systemUTC(), "poison");
            try {
                engine.finishCycle(engine.arm(), 0);
                assertThat(r.states().get(42)).isEqualTo(PageState.EVICTED);
                tier.corrupt(new PageKey(0, 42));

                assertThat(g.command("r 41")).as("an intact neighbour still refaults")
                        .isEqualTo("ok " + Long.toUnsignedString(ChildGuest.expectedSum(41)));
                String reply = g.command("r 42");
                assertThat(reply).as("the child must not get an answer from a poisoned page").isNull();
                assertThat(g.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(g.process.exitValue()).as("killed by SIGBUS (128 + 7)").isEqualTo(135);
                assertThat(engine.metrics().poisoned).hasSize(1);
                assertThat(engine.metrics().poisoned.getFirst().page()).isEqualTo(42);
                assertThat(engine.metrics().poisoned.getFirst().reason()).contains("checksum");
                assertThat(r.states().get(42)).isEqualTo(PageState.POISONED);
                // The corrupt bytes never reached the page cache: the page is still a hole.
                MemorySegment back = arena.allocate(4096);
                r.memfd().pread(back, 4096, r.memfdOffset(42));
                assertThat(back.mismatch(arena.allocate(4096))).isEqualTo(-1);
            } finally {
                engine.close();
            }
            g.memory.close(); // the owner is gone: closing with pages in the tier is safe now
        }
    }
}
