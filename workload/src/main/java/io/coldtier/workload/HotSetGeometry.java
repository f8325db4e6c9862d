package io.coldtier.workload;

import org.roaringbitmap.RoaringBitmap;

/**
 * Where the hot set is, shared by all vCPUs.
 *
 * <p>Pages are grouped in <em>rows</em> of {@code threads} consecutive pages; page {@code p} is in
 * row {@code p / threads} and belongs to vCPU {@code p % threads}. The hot set is a contiguous run
 * of {@code hotRows} rows (wrapping at the end), so it is one contiguous block of guest addresses
 * (the shape DAMON-style region trackers look for) and every vCPU owns the same share of it.
 * Phase {@code k} starts the hot block at row {@code k * hotRows}: each phase change moves the hot
 * set to the adjacent block, disjoint from the previous one when {@code hotFraction <= 0.5}.
 *
 * @param pages    page count
 * @param threads  vCPU count
 * @param rows     {@code ceil(pages / threads)}; the last row is partial when threads do not divide pages
 * @param hotRows  rows in the hot set, in {@code [1, rows]}
 */
record HotSetGeometry(long pages, int threads, long rows, long hotRows) {

    HotSetGeometry {
        if (pages < threads) {
            throw new IllegalArgumentException(pages + " pages cannot be shared by " + threads + " vCPUs");
        }
        if (rows != (pages + threads - 1) / threads || hotRows < 1 || hotRows > rows) {
            throw new IllegalArgumentException("inconsistent geometry: rows " + rows + ", hot rows " + hotRows);
        }
    }

    static HotSetGeometry of(long pages, WorkloadSpec spec) {
        int threads = spec.threads();
        if (pages < threads) {
            throw new IllegalArgumentException(pages + " pages cannot be shared by " + threads + " vCPUs");
        }
        long rows = (pages + threads - 1) / threads;
        long hot = Math.clamp(Math.round(spec.hotFraction() * rows), 1, rows);
        return new HotSetGeometry(pages, threads, rows, hot);
    }

    long coldRows() {
        return rows - hotRows;
    }

    /** First row of the hot set in {@code phase}. */
    long hotStartRow(long phase) {
        // Both factors are below rows <= 2^31, so the product cannot overflow.
        return Math.floorMod(phase, rows) * hotRows % rows;
    }

    /** The row {@code offset} rows after the start of the hot set (hot for offsets below {@link #hotRows}). */
    long rowAt(long phase, long offset) {
        return Math.floorMod(hotStartRow(phase) + offset, rows);
    }

    boolean isHot(long page, long phase) {
        return Math.floorMod(page / threads - hotStartRow(phase), rows) < hotRows;
    }

    /** The pages owned by {@code thread} in {@code row}; {@code -1} if the partial last row has none. */
    long page(long row, int thread) {
        long p = row * threads + thread;
        return p < pages ? p : -1;
    }

    /** The hot set of {@code phase} as page ids. */
    RoaringBitmap hotSet(long phase) {
        RoaringBitmap hot = new RoaringBitmap();
        for (long i = 0; i < hotRows; i++) {
            long first = rowAt(phase, i) * threads;
            hot.add(first, Math.min(first + threads, pages));
        }
        return hot;
    }
}
