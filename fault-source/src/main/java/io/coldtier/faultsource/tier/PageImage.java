package io.coldtier.faultsource.tier;

import java.util.Objects;

/**
 * A page on its way to a tier: contents (raw, uncompressed; empty for a zero page), the eviction
 * version and the CRC32C of the raw contents. The tier compresses as it sees fit.
 */
public record PageImage(PageKey key, long version, int checksum, boolean zero, byte[] contents) {
    public PageImage {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(contents, "contents");
        if (version < 1) {
            throw new IllegalArgumentException("page versions start at 1, got " + version);
        }
        if (zero && contents.length != 0) {
            throw new IllegalArgumentException("a zero page carries no contents");
        }
    }
}
