package io.coldtier.workload;

import io.coldtier.linux.Libc;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.coldtier.workload.PageFormat.FORMAT_BYTES;
import static org.assertj.core.api.Assertions.assertThat;

/** The workload on a real 64 MiB memfd mapping (no userfaultfd: nothing is evicted here). */
@Tag("kernel")
@Timeout(120)
class WorkloadIT {
    private static final long BYTES = 64L << 20;
    private static final long PAGES = BYTES / GuestPages.SMALL_PAGE;

    private Memfd memfd;
    private Mapping mapping;
    private GuestPages pages;

    @BeforeEach
    void map() {
        memfd = Memfd.create("workload-it", BYTES);
        mapping = Mapping.shared(memfd.fd(), BYTES, 0);
        pages = GuestPages.small(mapping.address(), BYTES);
    }

    @AfterEach
    void unmap() {
        mapping.close();
        memfd.close();
    }

    @Test
    void twoVcpus_readAndWriteForTwoSeconds_findNoErrors_andHotSetDominates() throws InterruptedException {
        WorkloadSpec spec = WorkloadSpec.defaults(); // 2 vCPUs, 10% hot pages take 90% of ops, half writes
        try (Workload w = Workload.start(pages, spec)) {
            Thread.sleep(2_000);
            awaitOps(w, 200_000); // on a loaded machine: enough hot ops that every hot page is hit
            w.pause();
            GroundTruth.Epoch epoch = w.groundTruth().cutEpoch();
            RoaringBitmap hot = w.hotSet();
            Workload.Stats stats = w.stats();
            w.resume();
            Workload.StopResult stopped = w.stop();

            assertThat(stopped.allStopped()).as("stuck: %s", stopped.stuckThreads()).isTrue();
            assertThat(stats.errors()).as("errors: %s", stats.firstErrors()).isZero();
            assertThat(stats.ops()).isPositive();
            assertThat(stats.writes()).isPositive();
            assertThat(stats.reads()).isPositive();
            assertThat(epoch.touches()).as("every op marked exactly once before touching").isEqualTo(stats.ops());
            assertThat(epoch.pages().isEmpty()).as("stats %s", stats).isFalse();
            assertThat(RoaringBitmap.andNot(hot, epoch.pages()).isEmpty()).as("every hot page was touched").isTrue();
            assertThat((double) stats.hotOps() / stats.ops()).as("share of ops on the hot set")
                    .isGreaterThanOrEqualTo(0.8).isLessThan(0.95);
            assertThat(w.verifyAll()).as("verify failures: %s", w.verifyFailures()).isZero();
        }
    }

    @Test
    void pageOverwrittenWithOlderVersion_isReportedByVerifyAll_asStaleVersion() {
        WorkloadSpec spec = WorkloadSpec.defaults().withReadFraction(0.0);
        try (Workload w = Workload.start(pages, spec); Arena arena = Arena.ofConfined()) {
            awaitOps(w, 100_000);
            assertThat(w.stop().allStopped()).isTrue();
            long victim = w.hotSet().first();
            long version = w.lastVersion(victim);
            assertThat(version).as("a hot page is written many times").isGreaterThanOrEqualTo(2);

            // Behind the workload's back: the file now holds the previous write, as after a lost write-back.
            MemorySegment old = arena.allocate(FORMAT_BYTES);
            PageFormat.fill(old, victim, version - 1, 0);
            memfd.pwrite(old, FORMAT_BYTES, victim * GuestPages.SMALL_PAGE);

            assertThat(w.stats().errors()).isZero();
            assertThat(w.verifyAll()).isEqualTo(1);
            assertThat(w.verifyFailures()).singleElement().asString()
                    .contains("page " + victim + " STALE_VERSION", "expected version " + version);
        }
    }

    @Test
    void holePunchedUnderTheVcpus_isReportedAsZeroed_withoutStoppingThem() {
        try (Workload w = Workload.start(pages, WorkloadSpec.defaults())) {
            awaitOps(w, 50_000);
            w.pause();
            RoaringBitmap hot = w.hotSet();
            long written = 0;
            for (int p : hot) {
                written += w.lastVersion(p) > 0 ? 1 : 0;
            }
            // Data loss as a broken tier would cause it: the backing pages vanish under a live mapping.
            memfd.punchHole(hot.first() * GuestPages.SMALL_PAGE, hot.getLongCardinality() * GuestPages.SMALL_PAGE);
            long opsAtPunch = w.stats().ops();
            w.resume();
            awaitOps(w, opsAtPunch + 50_000);
            Workload.StopResult stopped = w.stop();
            Workload.Stats stats = w.stats();

            assertThat(stopped.allStopped()).isTrue();
            assertThat(written).isPositive();
            // A read leaves the page zeroed (and reports it again next time); a write repairs it.
            assertThat(stats.errors()).isPositive();
            assertThat(stats.firstErrors()).hasSizeBetween(1, Workload.MAX_REPORTED_ERRORS)
                    .allSatisfy(e -> {
                        assertThat(e).contains("ZEROED", "expected version");
                        assertThat(hot.contains(pageOf(e))).as("only punched pages are reported: %s", e).isTrue();
                    });
        }
    }

    @Test
    void pause_holdsEveryVcpu_soASecondCutIsEmpty_andResumeContinues() throws InterruptedException {
        try (Workload w = Workload.start(pages, WorkloadSpec.defaults())) {
            awaitOps(w, 10_000);
            w.pause();
            RoaringBitmap first = w.groundTruth().cut();
            long opsAtPause = w.stats().ops();
            Thread.sleep(100);
            RoaringBitmap second = w.groundTruth().cut();

            assertThat(first.isEmpty()).isFalse();
            assertThat(second.isEmpty()).as("no access while paused").isTrue();
            assertThat(w.stats().ops()).isEqualTo(opsAtPause);

            w.resume();
            awaitOps(w, opsAtPause + 10_000);
            assertThat(w.groundTruth().cut().isEmpty()).isFalse();
            assertThat(w.stop().allStopped()).isTrue();
            assertThat(w.stop().allStopped()).as("stop is idempotent").isTrue();
            assertThat(w.stats().errors()).isZero();
        }
    }

    @Test
    void phaseChange_movesTheAccessesToTheNextHotBlock() throws InterruptedException {
        WorkloadSpec spec = WorkloadSpec.defaults().withHotShare(1.0).withPhaseChangeAfter(Duration.ofMillis(300));
        try (Workload w = Workload.start(pages, spec)) {
            awaitOps(w, 1_000);
            w.pause();
            w.groundTruth().cut();
            long from = w.phase(); // read while paused: every later op runs in this phase or a later one
            w.resume();
            Thread.sleep(800);
            w.pause();
            long to = w.phase();
            RoaringBitmap touched = w.groundTruth().cut();
            w.resume();
            assertThat(w.stop().allStopped()).isTrue();

            RoaringBitmap allowed = new RoaringBitmap();
            for (long k = from; k <= to; k++) {
                allowed.or(w.hotSet(k));
            }
            assertThat(to - from).as("at least one whole phase inside the window").isGreaterThanOrEqualTo(2);
            assertThat(RoaringBitmap.andNot(touched, allowed).isEmpty()).as("only hot pages of the window's phases")
                    .isTrue();
            assertThat(RoaringBitmap.and(touched, w.hotSet(from + 1)).getCardinality())
                    .as("the next phase's hot block was used (a whole phase of ops on it)")
                    .isGreaterThan(w.hotSet(from + 1).getCardinality() / 2);
            assertThat(RoaringBitmap.and(w.hotSet(from), w.hotSet(from + 1)).isEmpty()).isTrue();
            assertThat(w.stats().errors()).isZero();
        }
    }

    @Test
    void sequentialSweep_touchesEveryPage_withoutErrors() throws InterruptedException {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(4).withPattern(WorkloadSpec.Pattern.SEQUENTIAL_SWEEP);
        try (Workload w = Workload.start(pages, spec)) {
            // vCPUs progress unevenly (4 threads may share fewer CPUs), so collect epochs until
            // every vCPU has completed a sweep rather than guessing a total op count.
            RoaringBitmap touched = new RoaringBitmap();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (touched.getLongCardinality() < PAGES && System.nanoTime() < deadline) {
                Thread.sleep(20);
                touched.or(w.groundTruth().cut());
            }
            assertThat(w.stop().allStopped()).isTrue();

            assertThat(touched.getLongCardinality()).isEqualTo(PAGES);
            assertThat(w.stats().errors()).as("errors: %s", w.stats().firstErrors()).isZero();
            assertThat(w.verifyAll()).isZero();
        }
    }

    @Test
    void hugePages_carryTheFormatInTheirFirst4KiBOnly() throws IOException {
        long free = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("HugePages_Free:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                .findFirst().orElse(0);
        Assumptions.assumeTrue(free >= 2, "needs 2 free 2 MiB huge pages (vm.nr_hugepages), found " + free);
        long bytes = 2 * GuestPages.HUGE_PAGE;
        try (Memfd huge = Memfd.create("workload-huge-it", bytes, true);
             Mapping m = Mapping.shared(huge.fd(), bytes, 0);
             Arena arena = Arena.ofConfined()) {
            GuestPages hugePages = GuestPages.of(m.address(), bytes, GuestPages.HUGE_PAGE);
            try (Workload w = Workload.start(hugePages, WorkloadSpec.defaults().withThreads(1))) {
                awaitOps(w, 10_000);
                assertThat(w.stop().allStopped()).isTrue();
                assertThat(w.stats().errors()).as("errors: %s", w.stats().firstErrors()).isZero();
                assertThat(w.verifyAll()).isZero();
            }
            MemorySegment zeros = arena.allocate(FORMAT_BYTES);
            assertThat(Libc.memcmp(m.address() + FORMAT_BYTES, zeros.address(), FORMAT_BYTES))
                    .as("bytes after the formatted prefix are never written").isZero();
        }
    }

    private static int pageOf(String description) {
        Matcher m = Pattern.compile("page (\\d+) ").matcher(description);
        assertThat(m.find()).as(description).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void awaitOps(Workload w, long ops) {
        while (w.stats().ops() < ops) {
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
