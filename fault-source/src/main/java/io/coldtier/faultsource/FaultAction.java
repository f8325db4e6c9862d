package io.coldtier.faultsource;

/** What the fault loop does with one pagefault message. */
public enum FaultAction {
    /** The page is only in the tier: fetch, verify, UFFDIO_COPY (or ZEROPAGE / POISON). */
    REFAULT,
    /** A hole we never evicted (sparse guest memory): UFFDIO_ZEROPAGE. */
    ZERO_FILL,
    /** A trap on a frozen victim whose hole is not punched: cancel its eviction, then unprotect. */
    CANCEL_AND_UNPROTECT,
    /** A MISSING fault on a frozen victim that is a never-written hole: cancel, then zero-fill. */
    CANCEL_AND_ZERO_FILL,
    /** A trap on a frozen victim under RWP: cancel, then UFFDIO_RWPROTECT(0). */
    CANCEL_AND_RESOLVE_RWP,
    /** The page is being punched or refilled right now: wait for it to settle, then decide again. */
    AWAIT_SETTLED,
    /**
     * A WP/MINOR/RWP message for a page already evicted (a stale message, Q4): UFFDIO_WAKE, so the
     * thread retries and faults MISSING.
     */
    WAKE,
    /** A WP trap on a page no eviction wants (stale or after a cancel): unprotect it. */
    UNPROTECT,
    /** An RWP trap on a page no eviction wants: UFFDIO_RWPROTECT(0) resolves and wakes it. */
    RESOLVE_RWP,
    /** A MINOR fault on a frozen victim: cancel, then UFFDIO_CONTINUE. */
    CANCEL_AND_CONTINUE,
    /** A MINOR fault on a page no eviction wants: UFFDIO_CONTINUE maps the cached page. */
    CONTINUE,
    /** The page was poisoned: wake the thread so it takes its SIGBUS instead of hanging. */
    WAKE_POISONED
}
