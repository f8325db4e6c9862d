package io.coldtier.bench.peers;

/**
 * {@code /sys/block/zramN/mm_stat}: orig_data_size compr_data_size mem_used_total mem_limit mem_used_max
 * same_pages pages_compacted huge_pages [huge_pages_since]; the first three in bytes, the rest in pages
 * (Documentation/admin-guide/blockdev/zram.rst).
 */
record ZramMmStat(long origDataSize, long comprDataSize, long memUsedTotal, long samePages, long hugePages) {
    static ZramMmStat parse(String text) {
        String[] f = text.strip().split("\\s+");
        if (f.length < 3) {
            throw new IllegalArgumentException("mm_stat has " + f.length + " fields, want >= 3: '" + text.strip() + "'");
        }
        return new ZramMmStat(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                f.length > 5 ? Long.parseLong(f[5]) : 0, f.length > 7 ? Long.parseLong(f[7]) : 0);
    }

    static final ZramMmStat EMPTY = new ZramMmStat(0, 0, 0, 0, 0);
}
