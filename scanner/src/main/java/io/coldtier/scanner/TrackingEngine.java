package io.coldtier.scanner;

import io.coldtier.faultsource.EvictionExecutor;
import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.PageState;
import io.coldtier.faultsource.tier.PageTier;
import org.roaringbitmap.RoaringBitmap;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The in-process engine for one VM: the fault loop plus the detection cycle over every region
 * (arm → interval → freeze → hot scan → decide → evict → resume), with a local policy closing the
 * loop until the evictor service does.
 *
 * <p>It does not own the memory, the tier or the tracker; {@link #close()} stops the cycle,
 * restores every evicted page and then stops the fault loop, so the caller can close the memory
 * safely afterwards.
 */
public final class TrackingEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrackingEngine.class.getName());

    /** @param interval time between arm and scan; @param evict whether to evict at all */
    public record Config(Duration interval, boolean evict, FaultLoop.Config faultLoop,
                         EvictionExecutor.Config executor) {
        public static Config defaults() {
            return new Config(Duration.ofSeconds(1), true, FaultLoop.Config.defaults(),
                    EvictionExecutor.Config.defaults());
        }

        public Config withInterval(Duration d) {
            return new Config(d, evict, faultLoop, executor);
        }

        public Config withEvict(boolean e) {
            return new Config(interval, e, faultLoop, executor);
        }

        public Config withFaultLoop(FaultLoop.Config f) {
            return new Config(interval, evict, f, executor);
        }
    }

    private final GuestMemory memory;
    private final Tracker tracker;
    private final EvictionPolicy policy;
    private final Config config;
    private final Clock clock;
    private final FaultMetrics metrics = new FaultMetrics();
    private final FaultLoop faultLoop;
    private final EvictionExecutor executor;
    private final AtomicLong cycle = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Consumer<CycleReport>> listeners = new ArrayList<>();
    /**
     * Serialises what touches page protection: arming, scanning + local eviction, and evictions
     * commanded from outside (EvictCommands). The interval sleep happens outside it.
     */
    private final java.util.concurrent.locks.ReentrantLock protection = new java.util.concurrent.locks.ReentrantLock();
    private Thread cycleThread;

    public TrackingEngine(GuestMemory memory, PageTier tier, Tracker tracker, EvictionPolicy policy, Config config,
                          Clock clock, String name) {
        this.memory = memory;
        this.tracker = tracker;
        this.policy = policy;
        this.config = config;
        this.clock = clock;
        this.faultLoop = new FaultLoop(memory, tier, metrics, config.faultLoop(), name).start();
        this.executor = new EvictionExecutor(memory, tier, tracker.freezeControl(), metrics, config.executor());
    }

    public FaultMetrics metrics() {
        return metrics;
    }

    public FaultLoop faultLoop() {
        return faultLoop;
    }

    public EvictionExecutor executor() {
        return executor;
    }

    public Tracker tracker() {
        return tracker;
    }

    /** Called with each region's report at the end of every cycle (on the cycle thread). */
    public synchronized void onCycle(Consumer<CycleReport> listener) {
        listeners.add(listener);
    }

    /** Arms every region; the interval starts now. Split out so tests can drive a cycle by hand. */
    public Instant arm() {
        protection.lock();
        try {
            Instant at = clock.instant();
            for (GuestRegion r : memory.regions()) {
                tracker.arm(r);
                faultLoop.prefetchLedger().armed(r.index());
            }
            return at;
        } finally {
            protection.unlock();
        }
    }

    /**
     * Evicts {@code pages} of region {@code region} now (an EvictCommand from the evictor
     * service). Pages touched or evicted since the command was decided are skipped by the
     * executor, so a late or duplicate command is harmless.
     */
    public io.coldtier.faultsource.EvictionReport evict(int region, RoaringBitmap pages) {
        protection.lock();
        try {
            GuestRegion r = memory.region(region);
            tracker.beginFreeze(r);
            try {
                return executor.evict(r, pages);
            } finally {
                tracker.resume(r);
            }
        } finally {
            protection.unlock();
        }
    }

    /** Scans, decides, evicts and resumes every region after an interval that began at {@code armedAt}. */
    public List<CycleReport> finishCycle(Instant armedAt, long armNanos) {
        protection.lock();
        try {
            return finishCycleLocked(armedAt, armNanos);
        } finally {
            protection.unlock();
        }
    }

    private List<CycleReport> finishCycleLocked(Instant armedAt, long armNanos) {
        long n = cycle.incrementAndGet();
        List<CycleReport> reports = new ArrayList<>();
        for (GuestRegion r : memory.regions()) {
            long t0 = System.nanoTime();
            tracker.beginFreeze(r);
            RoaringBitmap hot = tracker.hotScan(r);
            long scanNanos = System.nanoTime() - t0;
            ScanResult scan = new ScanResult(r.index(), n, armedAt, clock.instant(), r.pages(), hot);
            faultLoop.prefetchLedger().settle(r.index(), hot);
            var eviction = io.coldtier.faultsource.EvictionReport.NONE;
            try {
                if (config.evict()) {
                    RoaringBitmap victims = policy.decide(scan,
                            p -> r.states().get(p) == PageState.RESIDENT);
                    eviction = executor.evict(r, victims);
                }
            } finally {
                tracker.resume(r);
            }
            CycleReport report = new CycleReport(scan, eviction, armNanos, scanNanos);
            reports.add(report);
            List<Consumer<CycleReport>> ls;
            synchronized (this) {
                ls = List.copyOf(listeners);
            }
            ls.forEach(l -> l.accept(report));
        }
        return reports;
    }

    /** One whole cycle, synchronously: arm, sleep the interval, finish. */
    public List<CycleReport> runCycle() throws InterruptedException {
        long t0 = System.nanoTime();
        Instant at = arm();
        long armNanos = System.nanoTime() - t0;
        Thread.sleep(config.interval());
        return finishCycle(at, armNanos);
    }

    /** Runs cycles on a platform thread until {@link #close()}. */
    public synchronized TrackingEngine start(String name) {
        if (running.compareAndSet(false, true)) {
            cycleThread = Thread.ofPlatform().name("detection-cycle-" + name).daemon(true).start(() -> {
                while (running.get()) {
                    try {
                        runCycle();
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        LOG.log(Level.SEVERE, "detection cycle failed; retrying next interval", e);
                    }
                }
            });
        }
        return this;
    }

    public long cycles() {
        return cycle.get();
    }

    /** Stops cycling, restores every evicted page, stops the fault loop. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running.set(false);
        Thread t;
        synchronized (this) {
            t = cycleThread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long restored = executor.restoreAll();
        LOG.fine(() -> "restored " + restored + " pages on shutdown");
        faultLoop.close();
        executor.close();
    }
}
