package io.coldtier.bench.pipeline;

import io.coldtier.faultsource.FaultMetrics;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition other threads make true, checking every millisecond (a 1 ms error on waits of seconds;
 * spinning instead would take a CPU from the pipeline on this 2-core machine), and prints a progress line every
 * two seconds so a long wait is never silent.
 */
final class Poll {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    /** Share of all CPUs below which this JVM counts as idle (idle consumers still poll). */
    private static final double QUIET_CPU = 0.10;

    private Poll() {}

    /**
     * Returns the {@code System.nanoTime()} at which {@code done} was first seen true.
     *
     * @param progress the progress line's text (printed indented), or null for no progress lines
     * @throws TimeoutException with {@code what} and the last progress text when {@code timeout} passes first
     */
    static long until(String what, Duration timeout, BooleanSupplier done, PrintStream out, Supplier<String> progress)
            throws InterruptedException, TimeoutException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextLine = start + PROGRESS_EVERY.toNanos();
        while (true) {
            if (done.getAsBoolean()) {
                return System.nanoTime();
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw new TimeoutException(what + ": not within " + timeout.toSeconds() + " s"
                        + (progress == null ? "" : " (" + progress.get() + ")"));
            }
            if (progress != null && now > nextLine) {
                out.printf("    … %.0f s: %s%n", (now - start) / 1e9, progress.get());
                nextLine = now + PROGRESS_EVERY.toNanos();
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits until this JVM's CPU use (all its threads: broker, RocksDB compactions, Kafka's log cleaner, JIT, GC)
     * stays below {@value #QUIET_CPU} of the machine for three samples in a row, or {@code max} passes. Latency
     * figures are taken in that quiet state, so they show the fault path, not a compaction that happened to run
     * beside it. Returns the seconds waited (printed when more than one).
     */
    static double quiet(PrintStream out, Duration max) throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long t0 = System.nanoTime();
        int below = 0;
        double load = 1;
        while (below < 3 && System.nanoTime() - t0 < max.toNanos()) {
            Thread.sleep(200);
            load = os.getProcessCpuLoad();
            below = load >= 0 && load < QUIET_CPU ? below + 1 : 0;
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        if (below < 3) {
            out.printf("    (process CPU still %.0f %% after %.0f s; measuring anyway)%n", 100 * load, waited);
        } else if (waited > 1) {
            out.printf("    (waited %.1f s for background work to finish)%n", waited);
        }
        return waited;
    }

    /**
     * Waits until the fault loop's counters stop moving: it counts a refault (and runs its prefetches) after the
     * UFFDIO_COPY that wakes the faulting thread, so right after the last touch they can still lag by one.
     */
    static void faultLoopSettled(FaultMetrics m) throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 300; i++) {
            long now = m.messages.sum() + m.refaults.sum() + m.prefetched.sum() + m.zeroFills.sum() + m.retries.sum();
            if (now == last) {
                return;
            }
            last = now;
            Thread.sleep(10);
        }
        throw new IllegalStateException("fault loop counters still moving 3 s after the last touch");
    }
}
