package io.coldtier.faultsource.tier;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process, LZ4-compressed page store: the tier of the engine when it runs without Kafka and
 * RocksDB.
 *
 * <p><b>Durability statement.</b> The store future completes once the compressed copy is in this
 * object's map. That copy survives everything the agent process survives (the guest may be
 * restored from it at any time while the process lives); it does not survive the process. This is
 * honest for an in-process engine and a test double for the real tiers, which ack on Kafka
 * acks=all / RocksDB fsync.
 */
public final class LocalPageTier implements PageTier {
    private record Stored(long version, int checksum, boolean zero, int rawLength, byte[] compressed) {}

    private final ConcurrentHashMap<PageKey, Stored> pages = new ConcurrentHashMap<>();
    private final LZ4Compressor compressor = LZ4Factory.fastestInstance().fastCompressor();
    // The "safe" decompressor is the JNI one in lz4-java 1.14; the "fast" one measured 9-10 us per
    // highly compressible page here against 0.3 us (coldtier bench tracking), most of a refault.
    private final LZ4SafeDecompressor decompressor = LZ4Factory.fastestInstance().safeDecompressor();
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicBoolean open = new AtomicBoolean(true);

    @Override
    public CompletableFuture<Void> store(List<PageImage> batch) {
        ensureOpen();
        for (PageImage p : batch) {
            byte[] compressed = p.zero() ? new byte[0] : compressor.compress(p.contents());
            Stored s = new Stored(p.version(), p.checksum(), p.zero(), p.contents().length, compressed);
            Stored old = pages.put(p.key(), s);
            storedBytes.addAndGet(compressed.length - (old == null ? 0 : old.compressed().length));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public FetchedPage fetch(PageKey key, MemorySegment into) {
        ensureOpen();
        Stored s = pages.get(key);
        if (s == null) {
            return null;
        }
        if (!s.zero()) {
            byte[] raw = new byte[s.rawLength()];
            int n = decompressor.decompress(s.compressed(), 0, s.compressed().length, raw, 0, raw.length);
            if (n != raw.length) {
                throw new IllegalStateException("page " + key + " decompressed to " + n + " of " + raw.length + " bytes");
            }
            MemorySegment.copy(MemorySegment.ofArray(raw), 0, into, 0, raw.length);
        }
        return new FetchedPage(s.version(), s.checksum(), s.zero());
    }

    @Override
    public void drop(PageKey key, long version) {
        pages.computeIfPresent(key, (k, s) -> {
            if (s.version() != version) {
                return s;
            }
            storedBytes.addAndGet(-s.compressed().length);
            return null;
        });
    }

    /** Test hook: overwrite the stored bytes of {@code key} as a disk or network fault would. */
    public void corrupt(PageKey key) {
        pages.computeIfPresent(key, (k, s) -> {
            if (s.zero()) {
                return new Stored(s.version(), s.checksum() ^ 1, false, 4096, compressor.compress(new byte[4096]));
            }
            byte[] raw = new byte[s.rawLength()];
            decompressor.decompress(s.compressed(), 0, s.compressed().length, raw, 0, raw.length);
            raw[raw.length / 2] ^= 0x5a;
            return new Stored(s.version(), s.checksum(), false, raw.length, compressor.compress(raw));
        });
    }

    public int size() {
        return pages.size();
    }

    /** Compressed bytes held. */
    public long storedBytes() {
        return storedBytes.get();
    }

    @Override
    public String describe() {
        return "local lz4 (in-process memory; lost with the process)";
    }

    private void ensureOpen() {
        if (!open.get()) {
            throw new IllegalStateException("LocalPageTier is closed");
        }
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            pages.clear();
        }
    }
}
