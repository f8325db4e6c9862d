package io.coldtier.vmm.kvm.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The host's requests to the vCPU threads (stop, pause) and the monitor they all wait on. vCPU
 * threads act on requests only at a report exit, where the guest's counters are complete; a
 * thread in KVM_RUN is never interrupted (no signals are involved).
 *
 * <p>Every vCPU state change calls {@link #changed()}, so a waiter such as "all vCPUs paused"
 * re-checks its condition without polling.
 */
public final class GuestControl {
    private boolean stop;
    private boolean pause;

    public synchronized void requestStop() {
        stop = true;
        notifyAll();
    }

    public synchronized boolean stopRequested() {
        return stop;
    }

    public synchronized void pause(boolean on) {
        pause = on;
        notifyAll();
    }

    /** Wakes everyone waiting for a condition; called after a vCPU published a new state. */
    public synchronized void changed() {
        notifyAll();
    }

    /**
     * Called by a vCPU thread at a report exit: blocks while a pause is requested and no stop is.
     * {@code onPause} runs once (under the monitor) before the first wait, {@code onResume} after
     * the last. Returns true if the thread was paused.
     */
    public synchronized boolean parkWhilePaused(Runnable onPause, Runnable onResume) throws InterruptedException {
        if (!pause || stop) {
            return false;
        }
        onPause.run();
        notifyAll();
        while (pause && !stop) {
            wait();
        }
        onResume.run();
        notifyAll();
        return true;
    }

    /** Waits until {@code condition} holds (checked under the monitor) or {@code timeout} passes. */
    public synchronized boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000), 0);
        }
        return true;
    }
}
