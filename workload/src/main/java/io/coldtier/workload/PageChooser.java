package io.coldtier.workload;

import java.util.random.RandomGenerator;

/**
 * Picks the next page for one vCPU, only ever among the pages it owns ({@code page % threads ==
 * thread}), while keeping the global hot/cold geometry of {@link HotSetGeometry}: it samples a
 * row in the hot or cold block, then takes its own page in that row. Thread-confined.
 */
final class PageChooser {
    private final HotSetGeometry geometry;
    private final int thread;
    private final WorkloadSpec.Pattern pattern;
    private final double hotShare;
    private final ZipfSampler hot;
    private final ZipfSampler cold;
    /** Pages owned by this vCPU (the sweep's period). */
    private final long ownPages;
    private long sweepRow;

    PageChooser(HotSetGeometry geometry, int thread, WorkloadSpec spec) {
        if (thread < 0 || thread >= geometry.threads()) {
            throw new IllegalArgumentException("vCPU " + thread + " of " + geometry.threads());
        }
        this.geometry = geometry;
        this.thread = thread;
        this.pattern = spec.pattern();
        this.hotShare = spec.hotShare();
        this.hot = new ZipfSampler(geometry.hotRows(), spec.zipfSkew());
        this.cold = geometry.coldRows() == 0 ? null : new ZipfSampler(geometry.coldRows(), spec.zipfSkew());
        this.ownPages = (geometry.pages() - thread + geometry.threads() - 1) / geometry.threads();
    }

    /** The next page to touch in {@code phase}; always owned by this vCPU. */
    long next(RandomGenerator rng, long phase) {
        if (pattern == WorkloadSpec.Pattern.SEQUENTIAL_SWEEP) {
            long page = geometry.page(sweepRow, thread);
            sweepRow = sweepRow + 1 == ownPages ? 0 : sweepRow + 1;
            return page;
        }
        long offset = cold == null || rng.nextDouble() < hotShare
                ? hot.sample(rng)
                : geometry.hotRows() + cold.sample(rng);
        long row = geometry.rowAt(phase, offset);
        long page = geometry.page(row, thread);
        // Only the partial last row can lack our page; the row before it is full and adjacent.
        return page >= 0 ? page : geometry.page(row - 1, thread);
    }
}
