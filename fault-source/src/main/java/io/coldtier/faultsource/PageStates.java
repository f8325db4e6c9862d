package io.coldtier.faultsource;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The eviction-protocol state and eviction version of every page of one region.
 *
 * <p>Transitions happen under one of 64 stripe monitors (page mod 64): cheap, and two threads
 * touching the same page always meet on the same monitor. Waiting for a transient state
 * (PUNCHING, REFAULTING) uses that monitor's wait/notifyAll; those states last one fallocate or
 * one UFFDIO_COPY, so waits are short.
 */
public final class PageStates {
    private static final int STRIPES = 64;
    private static final PageState[] STATES = PageState.values();

    private final byte[] state;
    private final long[] version;
    /** Highest version ever handed to a tier for each page (≥ version). */
    private final long[] issued;
    private final Object[] stripes = new Object[STRIPES];
    private final AtomicLong evicted = new AtomicLong();

    public PageStates(long pages) {
        if (pages <= 0 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count out of range: " + pages);
        }
        state = new byte[(int) pages];
        version = new long[(int) pages];
        issued = new long[(int) pages];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    private Object lock(long page) {
        return stripes[(int) (page & (STRIPES - 1))];
    }

    /**
     * The monitor guarding {@code page}. The fault loop holds it across "read the state, act on
     * it" (cancel + unprotect, zero-fill, …) so the executor cannot freeze or punch the page
     * between the decision and the ioctl; holders must only do quick, non-blocking work under it.
     */
    public Object monitor(long page) {
        return lock(page);
    }

    public long pages() {
        return state.length;
    }

    public PageState get(long page) {
        synchronized (lock(page)) {
            return STATES[state[(int) page]];
        }
    }

    /** The version of the newest durable copy (0 = never evicted). */
    public long version(long page) {
        synchronized (lock(page)) {
            return version[(int) page];
        }
    }

    /**
     * The version for a new copy of {@code page}: strictly above every version ever issued, even
     * for copies whose eviction was cancelled. Reusing a cancelled copy's number would let a tier
     * that keeps the first write of a version (idempotent replays) keep the stale contents.
     */
    public long nextVersion(long page) {
        synchronized (lock(page)) {
            return ++issued[(int) page];
        }
    }

    /**
     * Re-creates what a previous agent left behind, before any fault loop or executor runs on these states: a
     * durable copy of version {@code copyVersion} exists for {@code page}; {@code evicted} says whether that copy is
     * now the only one (the page is a hole in the memfd), which makes the page EVICTED. Either way every later
     * version issued for the page is above {@code copyVersion}, so a tier that keeps the first write of a version can
     * never confuse a new copy with an old one.
     *
     * @throws IllegalStateException if the page is not RESIDENT (recovery runs once, on fresh states)
     */
    public void recover(long page, long copyVersion, boolean evicted) {
        if (copyVersion <= 0) {
            throw new IllegalArgumentException("recovered version must be > 0, got " + copyVersion);
        }
        synchronized (lock(page)) {
            int i = (int) page;
            if (state[i] != PageState.RESIDENT.ordinal()) {
                throw new IllegalStateException("page " + page + " is " + get(page) + ", recovery needs RESIDENT");
            }
            issued[i] = Math.max(issued[i], copyVersion);
            if (evicted) {
                version[i] = copyVersion;
                state[i] = (byte) PageState.EVICTED.ordinal();
                this.evicted.incrementAndGet();
            }
        }
    }

    /** Pages whose only copy is in the tier (EVICTED, PUNCHING or REFAULTING). */
    public long evictedCount() {
        return evicted.get();
    }

    private boolean move(long page, PageState from, PageState to) {
        synchronized (lock(page)) {
            int i = (int) page;
            if (state[i] != from.ordinal()) {
                return false;
            }
            state[i] = (byte) to.ordinal();
            if (to.transient_() || from.transient_()) {
                lock(page).notifyAll();
            }
            return true;
        }
    }

    /** RESIDENT → FROZEN; false if the page is busy or already out. */
    public boolean freeze(long page) {
        return move(page, PageState.RESIDENT, PageState.FROZEN);
    }

    /** FROZEN → CANCELLED. True if the page is (now or already) cancelled. */
    public boolean cancel(long page) {
        synchronized (lock(page)) {
            return move(page, PageState.FROZEN, PageState.CANCELLED) || get(page) == PageState.CANCELLED;
        }
    }

    /** After a thaw: CANCELLED → RESIDENT. */
    public boolean uncancel(long page) {
        return move(page, PageState.CANCELLED, PageState.RESIDENT);
    }

    /** FROZEN → PUNCHING, recording {@code newVersion} as the durable copy. False if cancelled. */
    public boolean beginPunch(long page, long newVersion) {
        synchronized (lock(page)) {
            if (!move(page, PageState.FROZEN, PageState.PUNCHING)) {
                return false;
            }
            version[(int) page] = newVersion;
            evicted.incrementAndGet();
            return true;
        }
    }

    /** PUNCHING → EVICTED, waking faults that wait for it. */
    public void endPunch(long page) {
        if (!move(page, PageState.PUNCHING, PageState.EVICTED)) {
            throw new IllegalStateException("page " + page + " was not being punched: " + get(page));
        }
    }

    /** EVICTED → REFAULTING: the caller now owns the refill. False if someone else does. */
    public boolean beginRefault(long page) {
        return move(page, PageState.EVICTED, PageState.REFAULTING);
    }

    /** REFAULTING → RESIDENT after a successful fill. */
    public void endRefault(long page) {
        synchronized (lock(page)) {
            if (!move(page, PageState.REFAULTING, PageState.RESIDENT)) {
                throw new IllegalStateException("page " + page + " was not refaulting: " + get(page));
            }
            evicted.decrementAndGet();
        }
    }

    /** REFAULTING → EVICTED when the fill must be retried later (EAGAIN). */
    public void abortRefault(long page) {
        move(page, PageState.REFAULTING, PageState.EVICTED);
    }

    /** REFAULTING → POISONED: the copy was bad; the page is gone for good. */
    public void poisoned(long page) {
        synchronized (lock(page)) {
            if (move(page, PageState.REFAULTING, PageState.POISONED)) {
                evicted.decrementAndGet();
            }
        }
    }

    /**
     * Waits until the page leaves a transient state, returning the state it settled in. Gives up
     * after {@code timeout} (a stuck transition is a bug, not something to hang on forever).
     */
    public PageState awaitSettled(long page, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object lock = lock(page);
        synchronized (lock) {
            while (true) {
                PageState s = STATES[state[(int) page]];
                if (!s.transient_()) {
                    return s;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("page " + page + " stuck in " + s + " for " + timeout);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }
}
