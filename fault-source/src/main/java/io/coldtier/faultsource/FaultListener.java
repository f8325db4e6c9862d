package io.coldtier.faultsource;

/**
 * Told about every fault the loop resolved, for publishing FaultEvents. Called on the fault loop's
 * thread right after the faulting thread was released: implementations must only hand the fact
 * over (a queue offer), never block or do I/O.
 */
public interface FaultListener {
    /** A page came back from the tier ({@code prefetched} = neighbours refilled with it). */
    default void refaulted(int region, long page, long version, long latencyNanos, int prefetched) {
    }

    /** A write (or rwp access) trapped on a frozen victim and cancelled its eviction. */
    default void trapped(int region, long page) {
    }

    /** A page's stored copy failed verification; the page was poisoned. */
    default void poisoned(int region, long page, long version, String reason) {
    }

    FaultListener NONE = new FaultListener() {
    };
}
