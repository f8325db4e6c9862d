package io.coldtier.workload;

/**
 * Lets a controller hold every vCPU at an operation boundary. A vCPU counts as parked exactly while
 * it waits inside {@link #awaitResume()}, where it performs no access, so when {@link #pause} returns
 * true no guest access is in flight. vCPUs that have exited count as parked.
 */
final class PauseGate {
    private final int parties;
    /** Read without the lock on every operation: the fast path when nobody asks to pause. */
    private volatile boolean requested;
    private boolean closed;
    private int parked;
    private int exited;

    PauseGate(int parties) {
        this.parties = parties;
    }

    boolean requested() {
        return requested;
    }

    /** vCPU side: park until resumed or closed. */
    synchronized void awaitResume() {
        parked++;
        notifyAll();
        try {
            while (requested && !closed) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            parked--;
        }
    }

    /** vCPU side: this thread will perform no more accesses. */
    synchronized void exited() {
        exited++;
        notifyAll();
    }

    /** Asks every vCPU to park; true once all have, false if {@code timeoutNanos} passed first (still requested). */
    synchronized boolean pause(long timeoutNanos) throws InterruptedException {
        requested = !closed;
        long deadline = System.nanoTime() + timeoutNanos;
        while (parked + exited < parties) {
            if (closed) {
                return false; // stopped with a vCPU that never exited: it may still be mid-access
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    synchronized void resume() {
        requested = false;
        notifyAll();
    }

    /** Releases parked vCPUs for good (stop). */
    synchronized void close() {
        closed = true;
        requested = false;
        notifyAll();
    }
}
