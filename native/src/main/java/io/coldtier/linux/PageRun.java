package io.coldtier.linux;

/**
 * A run of pages {@code [start, end)} sharing the same PAGEMAP_SCAN categories.
 */
public record PageRun(long start, long end, long categories) {
    public PageRun {
        if (end <= start) {
            throw new IllegalArgumentException("empty run [0x" + Long.toHexString(start) + ", 0x"
                    + Long.toHexString(end) + ")");
        }
    }

    public long pages(long pageSize) {
        return (end - start) / pageSize;
    }
}
