package io.coldtier.faultsource;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static io.coldtier.faultsource.FaultAction.*;
import static io.coldtier.faultsource.PageState.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault decision table, and recorded message sequences for both backends replayed against
 * a page-state model (the rwp ones stand in for the kernel this machine does not have).
 */
@Tag("unit")
@Timeout(10)
class FaultPolicyTest {
    static final long MISSING_READ = 0x0, MISSING_WRITE = 0x1, WP_WRITE = 0x3, MINOR_READ = 0x4,
            RWP_READ = 0x8, RWP_WRITE = 0x9;

    @Test
    void missingFault_refaultsEvicted_zeroFillsHoles_cancelsFrozen() {
        assertThat(FaultPolicy.decide(EVICTED, MISSING_READ)).isEqualTo(REFAULT);
        assertThat(FaultPolicy.decide(EVICTED, MISSING_WRITE)).isEqualTo(REFAULT);
        assertThat(FaultPolicy.decide(RESIDENT, MISSING_READ)).isEqualTo(ZERO_FILL);
        assertThat(FaultPolicy.decide(CANCELLED, MISSING_WRITE)).isEqualTo(ZERO_FILL);
        assertThat(FaultPolicy.decide(FROZEN, MISSING_WRITE)).isEqualTo(CANCEL_AND_ZERO_FILL);
    }

    @Test
    void anyFault_onAPageBeingPunchedOrRefilled_waits() {
        for (long flags : new long[] {MISSING_READ, WP_WRITE, MINOR_READ, RWP_WRITE}) {
            assertThat(FaultPolicy.decide(PUNCHING, flags)).isEqualTo(AWAIT_SETTLED);
            assertThat(FaultPolicy.decide(REFAULTING, flags)).isEqualTo(AWAIT_SETTLED);
        }
    }

    @Test
    void staleTrapMessages_forEvictedPages_areAnsweredWithWake() {
        assertThat(FaultPolicy.decide(EVICTED, WP_WRITE)).isEqualTo(WAKE);
        assertThat(FaultPolicy.decide(EVICTED, MINOR_READ)).isEqualTo(WAKE);
        assertThat(FaultPolicy.decide(EVICTED, RWP_READ)).isEqualTo(WAKE);
    }

    @Test
    void trapOnFrozenVictim_cancelsItsEviction_perBackend() {
        assertThat(FaultPolicy.decide(FROZEN, WP_WRITE)).isEqualTo(CANCEL_AND_UNPROTECT);
        assertThat(FaultPolicy.decide(FROZEN, RWP_READ)).isEqualTo(CANCEL_AND_RESOLVE_RWP);
        assertThat(FaultPolicy.decide(FROZEN, MINOR_READ)).isEqualTo(CANCEL_AND_CONTINUE);
        assertThat(FaultPolicy.decide(RESIDENT, WP_WRITE)).isEqualTo(UNPROTECT);
        assertThat(FaultPolicy.decide(RESIDENT, RWP_WRITE)).isEqualTo(RESOLVE_RWP);
        assertThat(FaultPolicy.decide(POISONED, MISSING_READ)).isEqualTo(WAKE_POISONED);
    }

    /** A tiny model of one page: applies each action's effect on the state, as the loop does. */
    static List<FaultAction> replay(PageState start, long... flagsAndEvents) {
        List<FaultAction> out = new ArrayList<>();
        PageState s = start;
        for (long f : flagsAndEvents) {
            if (f == PUNCH_DONE) {
                s = s == PUNCHING ? EVICTED : s;
                continue;
            }
            if (f == BEGIN_PUNCH) {
                s = s == FROZEN ? PUNCHING : s;
                continue;
            }
            FaultAction a = FaultPolicy.decide(s, f);
            out.add(a);
            s = switch (a) {
                case REFAULT -> RESIDENT;
                case CANCEL_AND_UNPROTECT, CANCEL_AND_RESOLVE_RWP, CANCEL_AND_ZERO_FILL, CANCEL_AND_CONTINUE -> CANCELLED;
                default -> s;
            };
        }
        return out;
    }

    static final long BEGIN_PUNCH = -1, PUNCH_DONE = -2;

    @Test
    void recordedZapSequence_writeDuringFreezeAfterPunch_refaultsFromTheTier() {
        // Q4: WP freeze, writer traps (message read late), punch, WAKE; the late WP message and
        // then the MISSING retry arrive.
        assertThat(replay(FROZEN, BEGIN_PUNCH, WP_WRITE, PUNCH_DONE, WP_WRITE, MISSING_WRITE))
                .containsExactly(AWAIT_SETTLED, WAKE, REFAULT);
    }

    @Test
    void recordedZapSequence_writeBeforePunch_cancelsAndKeepsThePage() {
        assertThat(replay(FROZEN, WP_WRITE, BEGIN_PUNCH, WP_WRITE))
                .containsExactly(CANCEL_AND_UNPROTECT, UNPROTECT);
    }

    @Test
    void recordedRwpSequence_syncTrapsResolveOrCancel_thenMissingAfterEviction() {
        // rwp-uapi.md §4: during the freeze a touch of a non-victim traps RWP (resolve at once);
        // a victim's trap before the punch cancels it; after the punch + WAKE the retry is MISSING.
        assertThat(replay(RESIDENT, RWP_READ, RWP_WRITE)).containsExactly(RESOLVE_RWP, RESOLVE_RWP);
        assertThat(replay(FROZEN, RWP_WRITE)).containsExactly(CANCEL_AND_RESOLVE_RWP);
        assertThat(replay(FROZEN, BEGIN_PUNCH, PUNCH_DONE, RWP_READ, MISSING_READ)).containsExactly(WAKE, REFAULT);
    }
}
