package io.coldtier.tierstore;

import io.coldtier.tierstore.internal.PageValueCodec;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The RocksDB page store: evicted pages keyed by {@code vmId/region/page} (see {@link PageStoreKey}), values
 * as described in {@link io.coldtier.tierstore.internal.PageValueCodec}. Writes are version-monotonic and,
 * with {@link StoreOptions#syncWrites()} (the default), durable when the call returns.
 *
 * <p>Thread-safe. Reads run concurrently; writes (put, putAll, delete, deleteVm) are serialised by one lock
 * because each is a read-modify-write of the stored version, and they are fsync-bound anyway. A lifecycle
 * read/write lock keeps {@link #close()} from freeing the native handles under a running call (a call on a
 * freed RocksDB handle crashes the JVM rather than throwing).
 *
 * <p>Every failure is a {@link TierStoreException} whose message starts with {@code "store <dir>: "}.
 */
public final class PageStore implements AutoCloseable {
    /** The one tier this store holds, in its own column family; the default family stays empty. */
    static final byte[] PAGES_CF = "pages".getBytes(StandardCharsets.UTF_8);
    /** RocksDB's bits-per-key for the bloom filter: ~1 % false positives (RocksDB's recommended default). */
    private static final double BLOOM_BITS_PER_KEY = 10;
    /** Roughly one compressed 4 KiB page per block, so a point read decodes little more than the page. */
    private static final long BLOCK_SIZE = 4 * 1024;
    /** Info-log files (LOG, LOG.old.*) kept in the store directory; RocksDB keeps 1000 by default. */
    private static final int KEEP_LOG_FILES = 5;

    private final Path dir;
    private final String name;
    private final StoreOptions options;
    // Native resources. Creation order is open(); destruction order is close(), which is NOT simply the reverse.
    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final ColumnFamilyOptions cfOptions;
    private final DBOptions dbOptions;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final FlushOptions flushOptions;
    private final RocksDB db;
    private final ColumnFamilyHandle defaultCf;
    private final ColumnFamilyHandle pagesCf;

    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile boolean closed;

    /** Everything {@link #open} creates, in creation order. */
    private record Handles(LRUCache blockCache, BloomFilter bloomFilter, ColumnFamilyOptions cfOptions,
                           DBOptions dbOptions, WriteOptions writeOptions, ReadOptions readOptions,
                           FlushOptions flushOptions, RocksDB db, ColumnFamilyHandle defaultCf,
                           ColumnFamilyHandle pagesCf) {
    }

    private PageStore(Path dir, StoreOptions options, Handles h) {
        this.dir = dir;
        this.name = storeName(dir);
        this.options = options;
        this.blockCache = h.blockCache();
        this.bloomFilter = h.bloomFilter();
        this.cfOptions = h.cfOptions();
        this.dbOptions = h.dbOptions();
        this.writeOptions = h.writeOptions();
        this.readOptions = h.readOptions();
        this.flushOptions = h.flushOptions();
        this.db = h.db();
        this.defaultCf = h.defaultCf();
        this.pagesCf = h.pagesCf();
    }

    /**
     * Opens (creating if missing) the store in {@code dir}. All RocksDB options are created here and live
     * until {@link #close()}; the README explains each one.
     */
    public static PageStore open(Path dir, StoreOptions opts) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(opts, "opts");
        String name = storeName(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TierStoreException(name + ": cannot create the directory: " + e, e);
        }
        RocksDB.loadLibrary();
        List<AutoCloseable> created = new ArrayList<>(); // closed in reverse if opening fails half-way
        try {
            LRUCache cache = track(created, new LRUCache(opts.blockCacheBytes()));
            BloomFilter bloom = track(created, new BloomFilter(BLOOM_BITS_PER_KEY));
            ColumnFamilyOptions cfOptions = track(created, new ColumnFamilyOptions()
                    .setWriteBufferSize(opts.writeBufferBytes())
                    .setCompressionType(compressionType(opts.sstCompression()))
                    .setBottommostCompressionType(compressionType(opts.sstCompression()))
                    .setTableFormatConfig(new BlockBasedTableConfig()
                            .setBlockCache(cache)
                            .setFilterPolicy(bloom)
                            .setBlockSize(BLOCK_SIZE)
                            .setCacheIndexAndFilterBlocks(true)
                            .setPinL0FilterAndIndexBlocksInCache(true)));
            DBOptions dbOptions = track(created, new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setKeepLogFileNum(KEEP_LOG_FILES));
            WriteOptions writeOptions = track(created, new WriteOptions().setSync(opts.syncWrites()));
            ReadOptions readOptions = track(created, new ReadOptions());
            FlushOptions flushOptions = track(created, new FlushOptions().setWaitForFlush(true));
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                    new ColumnFamilyDescriptor(PAGES_CF, cfOptions)), handles);
            return new PageStore(dir, opts, new Handles(cache, bloom, cfOptions, dbOptions, writeOptions,
                    readOptions, flushOptions, db, handles.get(0), handles.get(1)));
        } catch (RocksDBException | RuntimeException e) {
            for (AutoCloseable c : created.reversed()) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new TierStoreException(name + ": open failed: " + e.getMessage(), e);
        }
    }

    /** Stores a page unless a page with the same or a higher version is already stored. */
    public PutResult put(StoredPage p) {
        Objects.requireNonNull(p, "page");
        byte[] key = p.key().toBytes();
        return mutating("put " + p.key(), () -> {
            PutResult r = decide(storedVersion(key), p.version());
            if (r.applied()) {
                db.put(pagesCf, writeOptions, key, PageValueCodec.encode(p));
            }
            return r;
        });
    }

    /**
     * Stores pages in one atomic WriteBatch with one fsync, each under the same version rule as {@link #put}
     * (a page repeated in the list is compared against the earlier entry). Results are in list order.
     */
    public List<PutResult> putAll(List<StoredPage> pages) {
        List<StoredPage> list = List.copyOf(pages);
        if (list.isEmpty()) {
            return List.of();
        }
        return mutating("putAll of " + list.size() + " pages", () -> {
            Map<ByteBuffer, Long> versions = new HashMap<>();
            List<PutResult> results = new ArrayList<>(list.size());
            try (WriteBatch batch = new WriteBatch()) {
                for (StoredPage p : list) {
                    byte[] key = p.key().toBytes();
                    ByteBuffer k = ByteBuffer.wrap(key);
                    Long pending = versions.get(k);
                    PutResult r = decide(pending != null ? pending : storedVersion(key), p.version());
                    if (r.applied()) {
                        batch.put(pagesCf, key, PageValueCodec.encode(p));
                        versions.put(k, p.version());
                    }
                    results.add(r);
                }
                if (batch.count() > 0) {
                    db.write(writeOptions, batch);
                }
            }
            return List.copyOf(results);
        });
    }

    /** The stored page, if any. */
    public Optional<StoredPage> get(String vmId, int region, long page) {
        PageStoreKey key = new PageStoreKey(vmId, region, page);
        byte[] k = key.toBytes();
        return guarded("get " + key, () -> {
            byte[] value = db.get(pagesCf, readOptions, k);
            return value == null ? Optional.empty() : Optional.of(decode(key, value));
        });
    }

    /** The stored pages among {@code pages}, in request order; missing pages are left out. One multiGet. */
    public List<StoredPage> getBatch(String vmId, int region, long[] pages) {
        return Arrays.stream(lookupAll(vmId, region, pages)).filter(Objects::nonNull).toList();
    }

    /** Like {@link #getBatch} but aligned with {@code pages}: {@code null} where a page is missing. */
    StoredPage[] lookupAll(String vmId, int region, long[] pages) {
        Objects.requireNonNull(pages, "pages");
        PageStoreKey[] keys = new PageStoreKey[pages.length];
        List<byte[]> raw = new ArrayList<>(pages.length);
        for (int i = 0; i < pages.length; i++) {
            keys[i] = new PageStoreKey(vmId, region, pages[i]);
            raw.add(keys[i].toBytes());
        }
        if (pages.length == 0) {
            return new StoredPage[0];
        }
        return guarded("getBatch of " + pages.length + " pages of " + vmId + "/" + region, () -> {
            List<byte[]> values = db.multiGetAsList(readOptions, Collections.nCopies(raw.size(), pagesCf), raw);
            StoredPage[] out = new StoredPage[pages.length];
            for (int i = 0; i < out.length; i++) {
                byte[] v = values.get(i);
                out[i] = v == null ? null : decode(keys[i], v);
            }
            return out;
        });
    }

    /** Deletes the page if its stored version is {@code <= version}; true if something was deleted. */
    public boolean delete(String vmId, int region, long page, long version) {
        PageStoreKey key = new PageStoreKey(vmId, region, page);
        byte[] k = key.toBytes();
        return mutating("delete " + key + " up to v" + version, () -> {
            long stored = storedVersion(k);
            if (stored < 0 || stored > version) {
                return false;
            }
            db.delete(pagesCf, writeOptions, k);
            return true;
        });
    }

    /** Deletes every page of a VM with one range delete; returns how many pages there were. */
    public long deleteVm(String vmId) {
        byte[] from = PageStoreKey.vmPrefix(vmId);
        byte[] to = PageStoreKey.vmUpperBound(vmId);
        return mutating("deleteVm " + vmId, () -> {
            long n = 0;
            try (RocksIterator it = db.newIterator(pagesCf, readOptions)) {
                for (it.seek(from); it.isValid() && Arrays.compareUnsigned(it.key(), to) < 0; it.next()) {
                    n++;
                }
                it.status();
            }
            if (n > 0) {
                try (WriteBatch batch = new WriteBatch()) {
                    batch.deleteRange(pagesCf, from, to);
                    db.write(writeOptions, batch);
                }
            }
            return n;
        });
    }

    /** RocksDB's estimate of the number of stored pages (exact only right after a compaction). */
    public long count() {
        return guarded("count", () -> db.getLongProperty(pagesCf, "rocksdb.estimate-num-keys"));
    }

    /** True if no page is stored (exact): the signal to rebuild from the compacted topic. */
    public boolean isEmpty() {
        return guarded("isEmpty", () -> {
            try (RocksIterator it = db.newIterator(pagesCf, readOptions)) {
                it.seekToFirst();
                it.status();
                return !it.isValid();
            }
        });
    }

    /**
     * Flushes the memtable and compacts the pages column family: reclaims the space of deleted pages and
     * ranges now instead of at RocksDB's next compaction. Maintenance only; never needed for correctness.
     */
    public void compact() {
        guarded("compact", () -> {
            db.flush(flushOptions, pagesCf);
            db.compactRange(pagesCf);
            return null;
        });
    }

    public Path dir() {
        return dir;
    }

    public StoreOptions options() {
        return options;
    }

    /**
     * Closes the store; idempotent, and waits for running calls to finish. Later calls fail with
     * "store &lt;dir&gt;: is closed".
     */
    @Override
    public synchronized void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Close order: do not rearrange.
            // 1. Column family handles before the DB (RocksDB asserts no CF handle outlives DB::Close).
            // 2. The DB: waits for background flush/compaction jobs, which still use the options and cache.
            // 3. Read/write/flush options: only ever used by calls into the DB.
            // 4. DB and CF options: the DB keeps raw pointers to them until it is closed.
            // 5. Bloom filter and block cache: the CF options' table factory points at them.
            List<Throwable> failures = new ArrayList<>();
            step(failures, pagesCf::close);
            step(failures, defaultCf::close);
            step(failures, db::closeE);
            step(failures, writeOptions::close);
            step(failures, readOptions::close);
            step(failures, flushOptions::close);
            step(failures, dbOptions::close);
            step(failures, cfOptions::close);
            step(failures, bloomFilter::close);
            step(failures, blockCache::close);
            if (!failures.isEmpty()) {
                TierStoreException e = new TierStoreException(name + ": close failed: "
                        + failures.getFirst().getMessage(), failures.getFirst());
                failures.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private interface RocksCall<T> {
        T call() throws RocksDBException;
    }

    private interface CloseStep {
        void run() throws Exception;
    }

    private static void step(List<Throwable> failures, CloseStep s) {
        try {
            s.run();
        } catch (Exception e) {
            failures.add(e);
        }
    }

    private <T> T guarded(String what, RocksCall<T> call) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return call.call();
        } catch (RocksDBException e) {
            throw new TierStoreException(name + ": " + what + " failed: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private <T> T mutating(String what, RocksCall<T> call) {
        return guarded(what, () -> {
            writeLock.lock();
            try {
                return call.call();
            } finally {
                writeLock.unlock();
            }
        });
    }

    private void ensureOpen() {
        if (closed) {
            throw new TierStoreException(name + ": is closed");
        }
    }

    /** The stored version of {@code key}, or -1 if absent. Copies only the 8 version bytes into Java. */
    private long storedVersion(byte[] key) throws RocksDBException {
        byte[] head = new byte[8];
        int size = db.get(pagesCf, readOptions, key, head);
        if (size == RocksDB.NOT_FOUND) {
            return -1;
        }
        if (size < PageValueCodec.HEADER) {
            throw new TierStoreException(name + ": corrupt value for " + PageStoreKey.fromBytes(key) + ": "
                    + size + " bytes");
        }
        return PageValueCodec.version(head);
    }

    private static PutResult decide(long stored, long incoming) {
        return incoming > stored ? PutResult.APPLIED : incoming == stored ? PutResult.DUPLICATE : PutResult.STALE;
    }

    private StoredPage decode(PageStoreKey key, byte[] value) {
        try {
            return PageValueCodec.decode(key, value);
        } catch (IllegalArgumentException e) {
            throw new TierStoreException(name + ": corrupt value for " + key + ": " + e.getMessage(), e);
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> created, T resource) {
        created.add(resource);
        return resource;
    }

    private static CompressionType compressionType(StoreOptions.SstCompression c) {
        return switch (c) {
            case NONE -> CompressionType.NO_COMPRESSION;
            case LZ4 -> CompressionType.LZ4_COMPRESSION;
            case ZSTD -> CompressionType.ZSTD_COMPRESSION;
        };
    }

    private static String storeName(Path dir) {
        return "store " + dir.toAbsolutePath();
    }
}
