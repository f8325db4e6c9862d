package io.coldtier.vmm.kvm;

/**
 * How the guest program chooses the next data page of its slice. Each vCPU owns a disjoint slice
 * of the data area, so the per-page self-check never races between vCPUs.
 */
public sealed interface AccessPattern {

    /** A sweep: pages 0, 1, …, n-1, 0, 1, … of the slice; every page is touched once per round. */
    record Sequential() implements AccessPattern {}

    /**
     * A hot set touched often, a cold majority rarely. Each operation draws from a xorshift64
     * generator held in a register: with probability {@code hotAccessFraction} it touches a page
     * chosen uniformly in the hot set, otherwise a page chosen uniformly in the whole slice.
     *
     * @param hotFraction       size of the hot set as a fraction of the slice (0, 1]
     * @param hotAccessFraction fraction of operations aimed at the hot set [0, 1] (resolution 1/1024)
     * @param phaseOps          operations per phase, 0 for none: at the end of each phase the hot
     *                          set moves to the next {@code hotFraction} of the slice (wrapping),
     *                          so formerly cold pages become hot
     */
    record HotCold(double hotFraction, double hotAccessFraction, long phaseOps) implements AccessPattern {
        public HotCold {
            if (!(hotFraction > 0 && hotFraction <= 1)) {
                throw new IllegalArgumentException("hotFraction must be in (0, 1]: " + hotFraction);
            }
            if (!(hotAccessFraction >= 0 && hotAccessFraction <= 1)) {
                throw new IllegalArgumentException("hotAccessFraction must be in [0, 1]: " + hotAccessFraction);
            }
            if (phaseOps < 0) {
                throw new IllegalArgumentException("phaseOps must be >= 0: " + phaseOps);
            }
        }

        /** The same pattern with a phase change every {@code ops} operations per vCPU. */
        public HotCold withPhaseOps(long ops) {
            return new HotCold(hotFraction, hotAccessFraction, ops);
        }
    }

    static Sequential sequential() {
        return new Sequential();
    }

    /** 10 % of the pages get 90 % of the accesses; no phase change. */
    static HotCold hotCold() {
        return new HotCold(0.10, 0.90, 0);
    }

    static HotCold hotCold(double hotFraction, double hotAccessFraction) {
        return new HotCold(hotFraction, hotAccessFraction, 0);
    }

    /** Uniformly random pages (a hot-cold pattern that never aims at the hot set). */
    static HotCold uniform() {
        return new HotCold(1.0, 0.0, 0);
    }
}
