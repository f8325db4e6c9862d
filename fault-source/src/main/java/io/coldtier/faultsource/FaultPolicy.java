package io.coldtier.faultsource;

import io.coldtier.linux.UffdEvent;

/**
 * The fault loop's decision table: (page state, fault kind) → action. Pure, so both backends'
 * behaviour is tested against recorded message sequences without a kernel that has RWP.
 *
 * <p>The rules that keep data safe:
 * <ul>
 *   <li>A fault on a FROZEN page cancels its eviction before anything else touches the page, so
 *       the executor never punches a page that may hold a newer write than its copy.</li>
 *   <li>A fault on a PUNCHING/REFAULTING page waits: filling a hole the executor is about to
 *       punch would lose whatever is written in between.</li>
 *   <li>Any non-MISSING message for an EVICTED page is answered with a WAKE: the thread may have
 *       queued it after the executor's wake (Q4's stale-message race) and would sleep forever.</li>
 * </ul>
 */
public final class FaultPolicy {
    private FaultPolicy() {}

    public static FaultAction decide(PageState state, long flags) {
        boolean missing = (flags & (UffdEvent.Pagefault.FLAG_WP | UffdEvent.Pagefault.FLAG_MINOR
                | UffdEvent.Pagefault.FLAG_RWP)) == 0;
        if (state.transient_()) {
            return FaultAction.AWAIT_SETTLED;
        }
        if (state == PageState.POISONED) {
            return FaultAction.WAKE_POISONED;
        }
        if (missing) {
            return switch (state) {
                case EVICTED -> FaultAction.REFAULT;
                case FROZEN -> FaultAction.CANCEL_AND_ZERO_FILL;
                default -> FaultAction.ZERO_FILL; // RESIDENT or CANCELLED: a never-written hole
            };
        }
        if (state == PageState.EVICTED) {
            return FaultAction.WAKE;
        }
        if ((flags & UffdEvent.Pagefault.FLAG_RWP) != 0) {
            return state == PageState.FROZEN ? FaultAction.CANCEL_AND_RESOLVE_RWP : FaultAction.RESOLVE_RWP;
        }
        if ((flags & UffdEvent.Pagefault.FLAG_MINOR) != 0) {
            // Only the sync-detect mode registers MINOR.
            return state == PageState.FROZEN ? FaultAction.CANCEL_AND_CONTINUE : FaultAction.CONTINUE;
        }
        return state == PageState.FROZEN ? FaultAction.CANCEL_AND_UNPROTECT : FaultAction.UNPROTECT;
    }
}
