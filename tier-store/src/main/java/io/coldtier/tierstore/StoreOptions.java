package io.coldtier.tierstore;

import java.util.Objects;

/**
 * The tuning a {@link PageStore} is opened with. Every field is a deliberate choice; the module README
 * ("RocksDB options") says why each default is what it is.
 *
 * @param syncWrites       fsync the write-ahead log before a put/delete returns. ON by default because the
 *                         PageStored ack tells the agent it may punch the page out of guest memory: without
 *                         the fsync a power loss after the ack loses the only copy of that page.
 * @param blockCacheBytes  LRU cache for uncompressed SST blocks (and index/filter blocks), shared by reads.
 * @param sstCompression   block compression RocksDB applies to SST files. The values are already LZ4
 *                         compressed by the agent, so {@link SstCompression#NONE} is the default.
 * @param writeBufferBytes memtable size; one memtable of this size is flushed into an L0 file at a time.
 */
public record StoreOptions(boolean syncWrites, long blockCacheBytes, SstCompression sstCompression,
                           long writeBufferBytes) {

    /** Block compression for SST files (RocksDB's {@code CompressionType}, limited to what we tested). */
    public enum SstCompression { NONE, LZ4, ZSTD }

    public static final long MIB = 1024L * 1024L;

    public StoreOptions {
        Objects.requireNonNull(sstCompression, "sstCompression");
        if (blockCacheBytes < MIB) {
            throw new IllegalArgumentException("blockCacheBytes must be at least 1 MiB, was " + blockCacheBytes);
        }
        if (writeBufferBytes < MIB) {
            throw new IllegalArgumentException("writeBufferBytes must be at least 1 MiB, was " + writeBufferBytes);
        }
    }

    /** fsync on, 64 MiB block cache, no SST compression, 64 MiB write buffer. */
    public static StoreOptions defaults() {
        return new StoreOptions(true, 64 * MIB, SstCompression.NONE, 64 * MIB);
    }

    public StoreOptions withSyncWrites(boolean sync) {
        return new StoreOptions(sync, blockCacheBytes, sstCompression, writeBufferBytes);
    }

    public StoreOptions withBlockCacheBytes(long bytes) {
        return new StoreOptions(syncWrites, bytes, sstCompression, writeBufferBytes);
    }

    public StoreOptions withSstCompression(SstCompression compression) {
        return new StoreOptions(syncWrites, blockCacheBytes, compression, writeBufferBytes);
    }

    public StoreOptions withWriteBufferBytes(long bytes) {
        return new StoreOptions(syncWrites, blockCacheBytes, sstCompression, bytes);
    }
}
