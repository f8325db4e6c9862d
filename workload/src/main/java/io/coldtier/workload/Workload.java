package io.coldtier.workload;

import io.coldtier.linux.Libc;

import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.coldtier.workload.PageFormat.FORMAT_BYTES;

/**
 * The guest workload: {@link WorkloadSpec#threads()} platform threads ("vCPUs") reading and
 * writing self-verifying pages ({@link PageFormat}) of a {@link GuestPages} run, in the spirit of
 * DAMON's masim. It is the stand-in for a VM whose memory coldtier evicts and refaults; any lost
 * write or wrong refault shows up as an error.
 *
 * <p><b>Ownership.</b> Page {@code p} belongs to vCPU {@code p % threads} and no other thread ever
 * touches it. So each vCPU knows the exact version it last wrote to each of its pages, and every
 * read is a full check (no locks, no races between writers to excuse a mismatch).
 *
 * <p><b>Safepoint hazard.</b> The fault resolver may run in this JVM. A thread that faults on a
 * registered page during a plain Java access stays "in Java" while the kernel blocks it, so it never
 * reaches a safepoint, and a resolver that waits for that safepoint deadlocks with it. Guest pages
 * are therefore touched only by {@link Libc#memcpy} downcalls (the thread is "in native" while
 * blocked), including in {@link #verifyAll()}; only thread-local scratch memory is read from Java.
 */
public final class Workload implements AutoCloseable {
    /** Number of error descriptions kept (the count is always exact). */
    public static final int MAX_REPORTED_ERRORS = 20;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Counters since start. {@code hotOps} counts operations on the hot set current at the time,
     * {@code errors} the violations found by the vCPUs (not by {@link #verifyAll()}).
     */
    public record Stats(long ops, long reads, long writes, long hotOps, long errors, List<String> firstErrors,
                        Duration elapsed, double opsPerSecond) {}

    /** Outcome of {@link #stop(Duration)}; a thread still alive is named with its state and top frame. */
    public record StopResult(boolean allStopped, List<String> stuckThreads) {}

    private final GuestPages pages;
    private final WorkloadSpec spec;
    private final HotSetGeometry geometry;
    private final GroundTruth groundTruth;
    private final VcpuCounters counters;
    private final ErrorLog errors = new ErrorLog(MAX_REPORTED_ERRORS);
    private final ErrorLog verifyFailures = new ErrorLog(MAX_REPORTED_ERRORS);
    private final PauseGate gate;
    private final long startNanos;
    private final long phaseNanos;
    private final Vcpu[] vcpus;
    private final Thread[] threads;
    private volatile boolean running = true;
    private volatile long stopNanos;

    private Workload(GuestPages pages, WorkloadSpec spec) {
        this.pages = pages;
        this.spec = spec;
        this.geometry = HotSetGeometry.of(pages.pageCount(), spec);
        this.groundTruth = new GroundTruth(pages.pageCount());
        this.counters = new VcpuCounters(spec.threads());
        this.gate = new PauseGate(spec.threads());
        this.phaseNanos = spec.phaseChangeAfter() == null ? 0 : spec.phaseChangeAfter().toNanos();
        this.vcpus = new Vcpu[spec.threads()];
        this.threads = new Thread[spec.threads()];
        SplittableRandom root = new SplittableRandom(spec.seed());
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Vcpu(this, i, root.split());
            threads[i] = Thread.ofPlatform().daemon().name("guest-vcpu-" + i).unstarted(vcpus[i]);
        }
        this.startNanos = System.nanoTime();
    }

    /** Starts the vCPUs on {@code pages}, which must be mapped read-write and hold at least one page per vCPU. */
    public static Workload start(GuestPages pages, WorkloadSpec spec) {
        Workload w = new Workload(pages, spec);
        for (Thread t : w.threads) {
            t.start();
        }
        return w;
    }

    /** {@link #stop(Duration)} with a 30 s timeout. */
    public StopResult stop() {
        return stop(DEFAULT_TIMEOUT);
    }

    /**
     * Stops the vCPUs at their next operation boundary and waits up to {@code timeout} for them.
     * Idempotent. A vCPU blocked in a fault nobody resolves cannot stop; it is reported, not hidden.
     */
    public StopResult stop(Duration timeout) {
        if (running) {
            stopNanos = System.nanoTime(); // before the volatile write: stats() reads them in the other order
            running = false;
        }
        gate.close();
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
            LockSupport.unpark(t); // cuts a parked think time short
            try {
                t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                stuck.add(describeThread(t));
            }
        }
        return new StopResult(stuck.isEmpty(), List.copyOf(stuck));
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Holds every vCPU at its next operation boundary and returns once all are held, so no guest
     * access is in flight (for exact {@link GroundTruth#cut()}s). Throws if that takes over 30 s,
     * naming the vCPUs that did not arrive.
     */
    public void pause() {
        if (!pause(DEFAULT_TIMEOUT)) {
            throw new IllegalStateException("vCPUs did not pause within " + DEFAULT_TIMEOUT + ": " + busyThreads());
        }
    }

    /** Like {@link #pause()}; false on timeout (the request stays up: call {@link #resume()}). */
    public boolean pause(Duration timeout) {
        try {
            return gate.pause(timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void resume() {
        gate.resume();
    }

    public Stats stats() {
        long end = running ? System.nanoTime() : stopNanos;
        Duration elapsed = Duration.ofNanos(end - startNanos);
        long ops = counters.sum(VcpuCounters.Kind.OPS);
        double seconds = elapsed.toNanos() / 1e9;
        return new Stats(ops, counters.sum(VcpuCounters.Kind.READS), counters.sum(VcpuCounters.Kind.WRITES),
                counters.sum(VcpuCounters.Kind.HOT_OPS), errors.count(), errors.first(), elapsed,
                seconds > 0 ? ops / seconds : 0);
    }

    public GroundTruth groundTruth() {
        return groundTruth;
    }

    /** The current phase: how many times the hot set has moved (0 without phase changes). */
    public long phase() {
        return phaseNanos == 0 ? 0 : (System.nanoTime() - startNanos) / phaseNanos;
    }

    /** The pages of the current hot set (meaningful for {@link WorkloadSpec.Pattern#HOT_COLD}). */
    public RoaringBitmap hotSet() {
        return hotSet(phase());
    }

    /** The pages of the hot set in {@code phase}. */
    public RoaringBitmap hotSet(long phase) {
        return geometry.hotSet(phase);
    }

    /** The version last written to {@code page} (0 = never); exact while paused or after stop. */
    public long lastVersion(long page) {
        pages.address(page); // bounds check
        return vcpus[(int) (page % spec.threads())].lastVersion(page);
    }

    /**
     * After {@link #stop()}: re-reads every page (through memcpy, so it may itself fault on evicted
     * pages; run it on a platform thread while the resolver runs) and checks it against the version
     * its vCPU last wrote. Returns the number of bad pages; their first descriptions are in
     * {@link #verifyFailures()}. Throws if a vCPU is still alive.
     */
    public int verifyAll() {
        for (Thread t : threads) {
            if (running || t.isAlive()) {
                throw new IllegalStateException("verifyAll needs a stopped workload; still running: "
                        + describeThread(t));
            }
        }
        verifyFailures.clear();
        int bad = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(FORMAT_BYTES, FORMAT_BYTES);
            for (long p = 0; p < pages.pageCount(); p++) {
                long expected = lastVersion(p);
                Libc.memcpy(scratch.address(), pages.address(p), FORMAT_BYTES);
                PageFormat.Verdict verdict = PageFormat.verify(scratch, p, expected);
                if (!verdict.valid()) {
                    bad++;
                    verifyFailures.record(describe("verifyAll", p, expected, verdict, scratch));
                }
            }
        }
        return bad;
    }

    /** The first {@value #MAX_REPORTED_ERRORS} failures of the last {@link #verifyAll()}. */
    public List<String> verifyFailures() {
        return verifyFailures.first();
    }

    public GuestPages pages() {
        return pages;
    }

    public WorkloadSpec spec() {
        return spec;
    }

    static String describe(String who, long page, long expected, PageFormat.Verdict verdict, MemorySegment image) {
        return who + ": page " + page + " " + verdict + ": expected version " + expected + ", found "
                + PageFormat.describe(image);
    }

    boolean running() {
        return running;
    }

    HotSetGeometry geometry() {
        return geometry;
    }

    VcpuCounters counters() {
        return counters;
    }

    ErrorLog errors() {
        return errors;
    }

    PauseGate gate() {
        return gate;
    }

    private String busyThreads() {
        List<String> busy = new ArrayList<>();
        for (Thread t : threads) {
            if (t.getState() != Thread.State.WAITING && t.isAlive()) {
                busy.add(describeThread(t));
            }
        }
        return busy.toString();
    }

    private static String describeThread(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        return t.getName() + " " + t.getState() + (stack.length > 0 ? " at " + stack[0] : "");
    }
}
