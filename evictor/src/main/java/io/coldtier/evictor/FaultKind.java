package io.coldtier.evictor;

/** What a fault event reports about one page; see {@link Evictor#onFault} for how each is used. */
public enum FaultKind {
    /** An evicted page was touched and brought back from the tier-store. */
    REFAULT,
    /** A page was touched while its region was frozen for eviction; its eviction was cancelled. */
    TRAP,
    /** A page's stored copy failed its checksum; the agent poisoned it instead of mapping it. */
    POISON,
    /** An evicted page was brought back ahead of demand (no guest access yet). */
    PREFETCH
}
