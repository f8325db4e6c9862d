package io.coldtier.bench;

import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.scanner.CycleReport;
import io.coldtier.scanner.IdleCyclesPolicy;
import io.coldtier.scanner.TrackingEngine;
import io.coldtier.scanner.ZapTracker;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Figure 3: guest operations per second with and without the tracking engine. Each run gets a
 * fresh guest whose memfd is fully allocated (so the registered baseline, which has no fault loop,
 * can never hit a hole), runs {@link #SPEC} for the given time, stops the workload, and verifies
 * every page; the tracking run closes the engine (restoring every evicted page) before verifying.
 */
final class WorkloadBench {
    /** 1 vCPU: the machine has 2 cores and the engine (cycle + fault loop) needs the other. */
    static final WorkloadSpec SPEC = WorkloadSpec.defaults().withThreads(1).withHotFraction(0.1).withHotShare(0.95)
            .withReadFraction(0.7).withThinkTimeNanos(0).withPhaseChangeAfter(null).withSeed(0x7_2AC4L);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final int MIN_IDLE_CYCLES = 2;
    static final int PREFETCH_WINDOW = 8;

    enum Mode {
        UNREGISTERED("no uffd, no engine"),
        REGISTERED("uffd registered MISSING|WP, no engine"),
        TRACKING("tracking engine running");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** What the engine did during a tracking run (null for the baselines). */
    record EngineStats(long cycles, long evictedPages, long refaults, long prefetched, double reportedPrefetchHitRate,
                       Samples armNanos, Samples scanNanos, long poisoned, String loopFailure) {}

    /**
     * @param secondHalfOpsPerSecond ops/s over the second half of the run (steady state)
     * @param evictedFraction        fraction of guest pages evicted when the workload stopped
     * @param badPages               pages verifyAll() found wrong after the run
     */
    record Run(Mode mode, Workload.Stats stats, double secondHalfOpsPerSecond, double evictedFraction, int badPages,
               List<String> verifyFailures, List<String> stuckThreads, EngineStats engine) {
        long errors() {
            return stats.errors() + badPages + stuckThreads.size();
        }
    }

    private WorkloadBench() {}

    static Run run(PrintStream out, Mode mode, long guestBytes, int seconds) throws InterruptedException {
        Run run = switch (mode) {
            case UNREGISTERED -> unregistered(guestBytes, seconds);
            case REGISTERED -> registered(guestBytes, seconds);
            case TRACKING -> tracking(guestBytes, seconds);
        };
        out.printf("    %.0f ops/s (second half %.0f), errors %d, bad pages %d%s%n", run.stats().opsPerSecond(),
                run.secondHalfOpsPerSecond(), run.stats().errors(), run.badPages(),
                mode == Mode.TRACKING ? String.format(", evicted at end %.1f %%", 100 * run.evictedFraction()) : "");
        return run;
    }

    private static Run unregistered(long bytes, int seconds) throws InterruptedException {
        try (Memfd memfd = Memfd.create("coldtier-bench-plain", bytes)) {
            memfd.allocate(0, bytes);
            try (Mapping m = Mapping.shared(memfd.fd(), bytes, 0)) {
                Workload w = Workload.start(GuestPages.small(m.address(), bytes), SPEC);
                try {
                    return measure(Mode.UNREGISTERED, w, seconds, () -> 0, () -> { });
                } finally {
                    w.stop();
                }
            }
        }
    }

    private static Run registered(long bytes, int seconds) throws InterruptedException {
        try (GuestMemory mem = BenchGuest.create(bytes)) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), r.pages(), r.pageSize()), SPEC);
            try {
                return measure(Mode.REGISTERED, w, seconds, () -> 0, () -> { });
            } finally {
                w.stop();
            }
        }
    }

    private static Run tracking(long bytes, int seconds) throws InterruptedException {
        try (GuestMemory mem = BenchGuest.create(bytes);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(mem)) {
            GuestRegion r = mem.region(0);
            BenchGuest.allocate(r);
            TrackingEngine engine = new TrackingEngine(mem, tier, tracker,
                    new IdleCyclesPolicy(new long[] {r.pages()}, MIN_IDLE_CYCLES, Long.MAX_VALUE),
                    TrackingEngine.Config.defaults().withInterval(INTERVAL)
                            .withFaultLoop(FaultLoop.Config.defaults().withPrefetchWindow(PREFETCH_WINDOW)),
                    Clock.systemUTC(), "bench");
            List<Long> arms = new ArrayList<>();
            List<Long> scans = new ArrayList<>();
            engine.onCycle(c -> record(c, arms, scans));
            Workload w = null;
            try {
                engine.start("bench");
                w = Workload.start(new GuestPages(r.hostAddress(), r.pages(), r.pageSize()), SPEC);
                // The engine closes (restoring every page) after the workload stopped and before verifyAll.
                Run run = measure(Mode.TRACKING, w, seconds, mem::evictedPages, engine::close);
                return withEngine(run, engineStats(engine, arms, scans));
            } finally {
                if (w != null) {
                    w.stop(); // guest threads never outlive the engine or the mapping
                }
                engine.close();
            }
        }
    }

    /**
     * Runs for {@code seconds}, stops the workload, calls {@code afterStop}, then verifies every
     * page on a platform thread (verifyAll may fault on evicted pages).
     */
    private static Run measure(Mode mode, Workload w, int seconds, java.util.function.LongSupplier evicted,
                               Runnable afterStop) throws InterruptedException {
        long half = seconds * 500L;
        Thread.sleep(half);
        long midOps = w.stats().ops();
        long midNanos = System.nanoTime();
        Thread.sleep(seconds * 1000L - half);
        long endOps = w.stats().ops();
        long endNanos = System.nanoTime();
        long evictedAtEnd = evicted.getAsLong();
        Workload.StopResult stop = w.stop(Duration.ofSeconds(20));
        Workload.Stats stats = w.stats();
        afterStop.run();
        int[] bad = {-1};
        if (stop.allStopped()) {
            BenchGuest.onPlatformThread("guest-verify", () -> bad[0] = w.verifyAll());
        }
        double secondHalf = (endOps - midOps) / ((endNanos - midNanos) / 1e9);
        return new Run(mode, stats, secondHalf, evictedAtEnd / (double) w.pages().pageCount(), Math.max(0, bad[0]),
                bad[0] < 0 ? List.of() : w.verifyFailures(), stop.stuckThreads(), null);
    }

    private static synchronized void record(CycleReport c, List<Long> arms, List<Long> scans) {
        arms.add(c.armNanos());
        scans.add(c.scanNanos());
    }

    private static Run withEngine(Run r, EngineStats e) {
        return new Run(r.mode(), r.stats(), r.secondHalfOpsPerSecond(), r.evictedFraction(), r.badPages(),
                r.verifyFailures(), r.stuckThreads(), e);
    }

    private static EngineStats engineStats(TrackingEngine engine, List<Long> arms, List<Long> scans) {
        FaultMetrics m = engine.metrics();
        Throwable f = engine.faultLoop().failure();
        long[] a;
        long[] s;
        synchronized (WorkloadBench.class) {
            a = arms.stream().mapToLong(Long::longValue).toArray();
            s = scans.stream().mapToLong(Long::longValue).toArray();
        }
        return new EngineStats(engine.cycles(), m.evictedPages.sum(), m.refaults.sum(), m.prefetched.sum(),
                m.prefetchHitRate(), a.length == 0 ? null : new Samples(a), s.length == 0 ? null : new Samples(s),
                m.poisoned.size(), f == null ? null : f.toString());
    }
}
