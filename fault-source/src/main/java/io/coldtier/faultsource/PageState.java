package io.coldtier.faultsource;

/**
 * Where one guest page is in the eviction protocol. The fault loop and the eviction executor
 * move pages between these under the page's stripe lock (see {@link PageStates}).
 *
 * <pre>
 * RESIDENT ──freeze──▶ FROZEN ──copy durable──▶ PUNCHING ──hole punched──▶ EVICTED
 *     ▲                  │ write/missing trap                                 │ fault / restore
 *     │                  ▼                                                    ▼
 *     └──── thaw ──── CANCELLED                 RESIDENT ◀── copied ─── REFAULTING
 *                                               POISONED (stored copy failed its checksum)
 * </pre>
 */
public enum PageState {
    /** In guest memory (or a never-written hole); not part of an eviction. */
    RESIDENT,
    /** Chosen as a victim and write-protected; its copy may be in flight. A trap cancels it. */
    FROZEN,
    /** A victim that was touched before its hole was punched: it stays resident. */
    CANCELLED,
    /** The copy is durable and the hole is being punched; faults wait for EVICTED. */
    PUNCHING,
    /** Only the tier holds it; the next access faults MISSING and refills it. */
    EVICTED,
    /** Being refilled from the tier (by the fault loop or a restore); faults wait. */
    REFAULTING,
    /** Its stored copy was corrupt: the page was poisoned instead of mapped. */
    POISONED;

    /** States that end by themselves shortly: a fault waits rather than acting. */
    public boolean transient_() {
        return this == PUNCHING || this == REFAULTING;
    }
}
