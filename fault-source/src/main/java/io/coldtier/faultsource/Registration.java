package io.coldtier.faultsource;

import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.Userfaultfd;

/**
 * How guest memory is registered with userfaultfd: the UFFDIO_API features that must be on and
 * the UFFDIO_REGISTER mode. Each tracking backend supplies its own.
 */
public record Registration(long requiredFeatures, long mode) {
    /**
     * The zap backend: MISSING (evicted holes trap) | WP (freeze; also turns fault-around off so
     * presence is exact per page). No features need requesting (stock-kernel-tracking.md §0), and
     * EVENT_REMOVE must stay off: it would block every MADV_DONTNEED arm until read.
     */
    public static final Registration ZAP =
            new Registration(0, Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);

    /** The RWP backend: RWP|MISSING with RWP and RWP_ASYNC negotiated (rwp-uapi.md §4). */
    public static final Registration RWP = new Registration(UffdFeature.RWP | UffdFeature.RWP_ASYNC,
            Userfaultfd.REGISTER_MODE_RWP | Userfaultfd.REGISTER_MODE_MISSING);
}
