package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.Errno;
import io.coldtier.linux.Libc;
import io.coldtier.linux.NativeException;
import io.coldtier.vmm.kvm.GuestFailedException;
import io.coldtier.vmm.kvm.VcpuState;
import io.coldtier.vmm.kvm.internal.struct.KvmRun;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The thread that drives one vCPU: KVM_RUN in a loop, one iteration per exit. The guest exits
 * only to report (port I/O), so every other exit is a failure, described with the registers.
 *
 * <p>Why a platform thread per vCPU: KVM_RUN blocks for as long as the guest runs (and inside
 * the kernel while a userfaultfd fault of guest memory is pending), and KVM expects a vCPU to be
 * run by one thread. The downcall is not critical, so a vCPU blocked on a fault never holds up a
 * safepoint of the JVM whose other thread resolves the fault.
 *
 * <p>The guest's counters are read from its control block with a {@code memcpy} downcall, never a
 * Java load: the page may be evicted at that moment and the load would then fault in Java state.
 */
public final class VcpuRunner implements Runnable {
    /** Everything the host knows about this vCPU as of its last exit. */
    public record Progress(VcpuState state, long ops, long errors, long phase, long lastBadGpa, long reports,
                           long initNanos, long runNanos, double recentOpsPerSecond) {
        static final Progress START = new Progress(VcpuState.INITIALIZING, 0, 0, 0, -1, 0, 0, 0, 0);

        Progress with(VcpuState s) {
            return new Progress(s, ops, errors, phase, lastBadGpa, reports, initNanos, runNanos, recentOpsPerSecond);
        }
    }

    /** The recent-rate window. */
    private static final long WINDOW_NANOS = 200_000_000L;

    private final KvmVcpu vcpu;
    private final long ctrlHostAddress;
    private final GuestControl control;
    private final FaultReport faultReport;

    private volatile Progress progress = Progress.START;
    private volatile GuestFailedException failure;

    // Owned by the vCPU thread.
    private long startNanos;
    private long initDoneNanos;
    private long pausedNanos;
    private long windowNanos;
    private long windowOps;
    private double recentRate;

    public VcpuRunner(KvmVcpu vcpu, long ctrlHostAddress, GuestControl control, FaultReport faultReport) {
        this.vcpu = vcpu;
        this.ctrlHostAddress = ctrlHostAddress;
        this.control = control;
        this.faultReport = faultReport;
    }

    public Progress progress() {
        return progress;
    }

    public GuestFailedException failure() {
        return failure;
    }

    @Override
    public void run() {
        startNanos = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(CtrlBlock.OUT_END - CtrlBlock.OUT_START, 8);
            loop(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new GuestFailedException(vcpu.id(), "interrupted", e));
        } catch (RuntimeException | Error e) {
            fail(new GuestFailedException(vcpu.id(), "host error", e));
        }
    }

    private void loop(MemorySegment out) throws InterruptedException {
        MemorySegment run = vcpu.runStruct();
        while (!control.stopRequested()) {
            int rc = vcpu.run();
            if (rc == -Errno.EINTR) {
                continue; // a signal for this thread; re-enter unless stopping
            }
            if (rc < 0) {
                fail(new GuestFailedException(vcpu.id(), "KVM_RUN", new NativeException("ioctl(KVM_RUN)", -rc)));
                return;
            }
            int reason = KvmRun.exitReason(run);
            int port = reason == KvmApi.EXIT_IO ? KvmRun.ioPort(run) : -1;
            if (port == CtrlBlock.PORT_INIT_DONE) {
                initDoneNanos = System.nanoTime();
                windowNanos = initDoneNanos;
                publish(out, VcpuState.RUNNING);
                maybePause();
            } else if (port == CtrlBlock.PORT_REPORT) {
                publish(out, VcpuState.RUNNING);
                maybePause();
            } else {
                fail(faultReport.describe(vcpu, run, reason));
                return;
            }
        }
        progress = progress.with(VcpuState.STOPPED);
        control.changed();
    }

    private void maybePause() throws InterruptedException {
        long[] pausedAt = new long[1];
        control.parkWhilePaused(
                () -> {
                    pausedAt[0] = System.nanoTime();
                    progress = progress.with(VcpuState.PAUSED);
                },
                () -> {
                    long now = System.nanoTime();
                    pausedNanos += now - pausedAt[0];
                    windowNanos = now; // the window restarts: a pause is not guest time
                    windowOps = progress.ops();
                    progress = progress.with(VcpuState.RUNNING);
                });
    }

    /** Reads the control block's outputs (complete at a report exit) and publishes them. */
    private void publish(MemorySegment out, VcpuState state) {
        Libc.memcpy(out.address(), ctrlHostAddress + CtrlBlock.OUT_START, out.byteSize());
        long now = System.nanoTime();
        long ops = field(out, CtrlBlock.OPS);
        if (now - windowNanos >= WINDOW_NANOS) {
            recentRate = (ops - windowOps) * 1e9 / (now - windowNanos);
            windowNanos = now;
            windowOps = ops;
        }
        long errors = field(out, CtrlBlock.ERRORS);
        progress = new Progress(state, ops, errors, field(out, CtrlBlock.PHASE),
                errors == 0 ? -1 : field(out, CtrlBlock.LAST_BAD_GPA), progress.reports() + 1,
                initDoneNanos - startNanos, now - initDoneNanos - pausedNanos, recentRate);
        control.changed();
    }

    private static long field(MemorySegment out, int offset) {
        return out.get(JAVA_LONG, offset - CtrlBlock.OUT_START);
    }

    private void fail(GuestFailedException e) {
        failure = e;
        progress = progress.with(VcpuState.FAILED);
        control.changed();
    }
}
