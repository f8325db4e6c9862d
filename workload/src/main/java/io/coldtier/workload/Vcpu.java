package io.coldtier.workload;

import io.coldtier.linux.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

import static io.coldtier.workload.PageFormat.FORMAT_BYTES;

/**
 * One guest vCPU: picks one of its own pages, verifies it, and maybe writes the next version.
 *
 * <p>Guest memory is touched only by {@link Libc#memcpy} downcalls, so a fault on an evicted page
 * blocks this thread "in native", where it does not hold up a safepoint that the in-JVM fault
 * resolver may need. The page image is built and checked in {@code scratch}, thread-local off-heap
 * memory no userfaultfd ever covers, which Java may access directly.
 *
 * <p>Never throws out of {@link #run()}: every violation, and any unexpected throwable, is recorded
 * in the workload's error log.
 */
final class Vcpu implements Runnable {
    /** Think times below this spin: parkNanos cannot sleep shorter than the timer slack (~50 µs). */
    private static final long SPIN_LIMIT_NANOS = 50_000;

    private final Workload workload;
    private final int index;
    private final int threads;
    private final GuestPages pages;
    private final PageChooser chooser;
    private final RandomGenerator rng;
    private final double readFraction;
    private final long thinkNanos;
    /** Last version written per own page, indexed by row ({@code page / threads}); 0 = never written. */
    private final long[] lastVersion;

    Vcpu(Workload workload, int index, RandomGenerator rng) {
        this.workload = workload;
        this.index = index;
        this.threads = workload.spec().threads();
        this.pages = workload.pages();
        this.chooser = new PageChooser(workload.geometry(), index, workload.spec());
        this.rng = rng;
        this.readFraction = workload.spec().readFraction();
        this.thinkNanos = workload.spec().thinkTimeNanos();
        this.lastVersion = new long[Math.toIntExact(workload.geometry().rows())];
    }

    @Override
    public void run() {
        PauseGate gate = workload.gate();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(FORMAT_BYTES, FORMAT_BYTES);
            while (workload.running()) {
                if (gate.requested()) {
                    gate.awaitResume();
                    continue;
                }
                step(scratch);
                think();
            }
        } catch (Throwable t) {
            workload.errors().record("vcpu " + index + " died: " + t);
        } finally {
            gate.exited();
        }
    }

    /** One operation: read-verify, and for a write, store version + 1. */
    private void step(MemorySegment scratch) {
        long phase = workload.phase();
        long page = chooser.next(rng, phase);
        boolean write = rng.nextDouble() >= readFraction;
        workload.groundTruth().mark(page);
        long address = pages.address(page);
        int row = (int) (page / threads);
        long expected = lastVersion[row];
        Libc.memcpy(scratch.address(), address, FORMAT_BYTES);
        check(scratch, page, expected, write ? "write" : "read");
        VcpuCounters counters = workload.counters();
        if (write) {
            PageFormat.fill(scratch, page, expected + 1, index);
            Libc.memcpy(address, scratch.address(), FORMAT_BYTES);
            lastVersion[row] = expected + 1;
            counters.increment(index, VcpuCounters.Kind.WRITES);
        } else {
            counters.increment(index, VcpuCounters.Kind.READS);
        }
        if (workload.geometry().isHot(page, phase)) {
            counters.increment(index, VcpuCounters.Kind.HOT_OPS);
        }
        counters.increment(index, VcpuCounters.Kind.OPS);
    }

    private void check(MemorySegment scratch, long page, long expected, String op) {
        PageFormat.Verdict verdict = PageFormat.verify(scratch, page, expected);
        if (!verdict.valid()) {
            workload.errors().record(Workload.describe("vcpu " + index + " " + op, page, expected, verdict, scratch));
        }
    }

    private void think() {
        if (thinkNanos == 0) {
            return;
        }
        if (thinkNanos < SPIN_LIMIT_NANOS) {
            long end = System.nanoTime() + thinkNanos;
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        } else {
            LockSupport.parkNanos(thinkNanos); // stop() unparks us
        }
    }

    /** Last version written to own page {@code page}; exact once this vCPU has stopped or parked. */
    long lastVersion(long page) {
        return lastVersion[(int) (page / threads)];
    }
}
