package io.coldtier.agent;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.faultsource.tier.FetchedPage;
import io.coldtier.faultsource.tier.PageImage;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.faultsource.tier.PageTier;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.PageKeys;
import io.coldtier.schemas.Partitioning;
import io.coldtier.schemas.SchemaException;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.DropReason;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.tierstore.PageRpcClient;
import io.coldtier.tierstore.StoredPage;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.roaringbitmap.RoaringBitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The agent's tier: evicted pages go to {@code coldtier.pages} as LZ4-compressed {@link PageOut}s and come back
 * from the tier-store's page RPC.
 *
 * <p><b>Durability statement.</b> {@link #store} completes only when Kafka acknowledged every record of the batch
 * with {@code acks=all} (the producer is idempotent, {@code delivery.timeout.ms} bounds the wait); any send error or
 * timeout fails the future and the eviction executor cancels the batch, so nothing is punched without that ack.
 *
 * <p><b>In-flight buffer.</b> A page acked by Kafka is not yet in the tier-store (which ingests the topic
 * asynchronously). Until a {@link PageStored} for that page with a version &ge; ours arrives on
 * {@code coldtier.page-acks}, the compressed copy stays in this process, and {@link #fetch} serves it from here.
 *
 * <p><b>Reused versions.</b> When the executor stores a page but a guest write cancels its punch, it {@link #drop}s
 * that version and the page's next eviction stores the <em>same</em> version number with new contents. The
 * tier-store keeps the first write of a version (a later equal version is a DUPLICATE), so its copy may be the stale
 * one. Such a re-stored version is therefore <em>pinned</em> in the buffer (never released by an ack) until a higher
 * version of the page is stored.
 */
public final class KafkaPageTier implements PageTier {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPageTier.class);

    /** A compressed copy waiting for the tier-store's ack (or pinned, see the class comment). */
    private record Buffered(long version, int checksum, boolean zero, int rawLength, byte[] compressed,
                            boolean pinned, long cycle) {}

    /** Counters for reports and tests. */
    public record Stats(int inFlight, long storedPages, long fetchedFromBuffer, long fetchedFromRpc,
                        long fetchMisses, long acksApplied, long drops, long staleAcks) {}

    private final String vmId;
    private final int partitions;
    private final long[] pageSizes;
    private final java.time.Duration storeDeadline;
    private final LongSupplier cycle;
    private final InetSocketAddress tierStore;
    private final ReactiveProducer producer;
    private final ReactiveConsumer acks;
    private final Disposable ackSubscription;
    private final ConcurrentHashMap<PageKey, Buffered> buffer = new ConcurrentHashMap<>();
    /** Pages with a PageOut on the topic (sent by us or found by a recovery), per region: what forgetAll tombstones. */
    private final Map<Integer, RoaringBitmap> written = new java.util.HashMap<>();
    /** Versions dropped after a store: a later store of the same version must stay pinned. */
    private final ConcurrentHashMap<PageKey, Long> droppedVersions = new ConcurrentHashMap<>();
    private final LZ4Compressor compressor = LZ4Factory.fastestInstance().fastCompressor();
    private final LZ4SafeDecompressor decompressor = LZ4Factory.fastestInstance().safeDecompressor();
    private final LongAdder stored = new LongAdder();
    private final LongAdder fromBuffer = new LongAdder();
    private final LongAdder fromRpc = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder acksApplied = new LongAdder();
    private final LongAdder staleAcks = new LongAdder();
    private final LongAdder drops = new LongAdder();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private PageRpcClient rpc; // guarded by this; connected lazily (the tier-store may start after us)

    /**
     * @param partitions partition count of the coldtier topics (PageOut's partition is set explicitly)
     * @param pageSizes  page size of each region, by region index (PageOut.rawLength of zero pages)
     * @param cycle      the current detection cycle, stamped on PageOut / PageDropped
     */
    public KafkaPageTier(String vmId, int partitions, long[] pageSizes, KafkaSettings kafka,
                         InetSocketAddress tierStore, LongSupplier cycle) {
        this.vmId = vmId;
        this.pageSizes = pageSizes.clone();
        this.partitions = partitions;
        this.cycle = cycle;
        this.tierStore = tierStore;
        this.storeDeadline = kafka.deliveryTimeout().plus(kafka.requestTimeout());
        Properties props = kafka.producerProps("agent-pages-" + vmId);
        // A 2 MiB hugetlbfs page in one PageOut: match the topic's max.message.bytes.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES));
        this.producer = new ReactiveProducer("agent-pages-" + vmId, props);
        this.acks = ReactiveConsumer.subscribe(kafka, "agent-acks-" + vmId, "coldtier-agent-" + vmId + "-acks",
                List.of(Topics.PAGE_ACKS));
        this.ackSubscription = acks.receive().subscribe(this::onAck,
                e -> LOG.error("page-ack consumer of {} failed; pages stay in the in-flight buffer", vmId, e));
    }

    /**
     * Remembers that {@code pages} (per region index) have copies on {@code coldtier.pages}, e.g. found there by a
     * recovery, so {@link #forgetAll} tombstones them too.
     */
    public void markStored(Map<Integer, RoaringBitmap> pages) {
        synchronized (written) {
            pages.forEach((region, b) -> written.computeIfAbsent(region, k -> new RoaringBitmap()).or(b));
        }
    }

    /**
     * The VM is gone: tombstones every page this tier ever stored (or was told about) on the compacted
     * {@code coldtier.pages}, so the tier-store deletes them and a later VM reusing the id cannot mistake them for
     * its own. Waits for Kafka's acks up to {@code timeout}; returns the number of tombstones acknowledged.
     */
    public long forgetAll(java.time.Duration timeout) {
        List<ProducerRecord<byte[], byte[]>> tombstones = new ArrayList<>();
        int partition = Partitioning.partitionFor(vmId, partitions);
        synchronized (written) {
            written.forEach((region, pages) -> pages.forEach((org.roaringbitmap.IntConsumer) p -> tombstones.add(
                    new ProducerRecord<>(Topics.PAGES, partition,
                            PageKeys.key(vmId, region, p).getBytes(StandardCharsets.UTF_8), null))));
        }
        if (tombstones.isEmpty()) {
            return 0;
        }
        producer.sendAll(tombstones).block(timeout);
        buffer.clear();
        return tombstones.size();
    }

    /**
     * Seeds the in-flight buffer with copies recovered from {@code coldtier.pages} that the tier-store does not
     * serve (yet): not ingested before the previous agent died, or dropped there. Call before any fetch. An entry
     * leaves the buffer like any other: a PageStored of its version or newer, or a newer store of the page.
     */
    public void adoptRecovered(Map<PageKey, RecoveredPage> recovered) {
        recovered.forEach((key, r) -> buffer.merge(key,
                new Buffered(r.version(), r.checksum(), r.zero(), r.rawLength(), r.lz4(), false, r.cycle()),
                (old, neu) -> old.version() > neu.version() ? old : neu));
    }

    @Override
    public CompletableFuture<Void> store(List<PageImage> images) {
        ensureOpen();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(images.size());
        List<Map.Entry<PageKey, Buffered>> mine = new ArrayList<>(images.size());
        int partition = Partitioning.partitionFor(vmId, partitions);
        Instant now = Instant.now();
        long storeCycle = cycle.getAsLong();
        for (PageImage img : images) {
            byte[] compressed = img.zero() ? new byte[0] : compressor.compress(img.contents());
            int rawLength = img.zero() ? (int) pageSizes[img.key().region()] : img.contents().length;
            Long dropped = droppedVersions.remove(img.key());
            Buffered b = new Buffered(img.version(), img.checksum(), img.zero(), rawLength, compressed,
                    dropped != null && dropped == img.version(), storeCycle);
            buffer.merge(img.key(), b, (old, neu) -> old.version() > neu.version() ? old : neu);
            mine.add(Map.entry(img.key(), b));
            synchronized (written) {
                written.computeIfAbsent(img.key().region(), k -> new RoaringBitmap()).add((int) img.key().page());
            }
            PageOut out = PageOut.newBuilder().setVmId(vmId).setRegion(img.key().region())
                    .setCycle(storeCycle).setPage(img.key().page()).setVersion(img.version())
                    .setChecksum(img.checksum()).setZero(img.zero())
                    .setCompression(img.zero() ? Compression.NONE : Compression.LZ4)
                    .setRawLength(rawLength).setContents(ByteBuffer.wrap(compressed)).setEvictedAt(now).build();
            String key = PageKeys.key(vmId, img.key().region(), img.key().page());
            records.add(new ProducerRecord<>(Topics.PAGES, partition, key.getBytes(StandardCharsets.UTF_8),
                    Codec.encode(out)));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.sendAll(records).subscribe(md -> {
            stored.add(images.size());
            done.complete(null);
        }, done::completeExceptionally);
        // Our own deadline: with the broker down, kafka-clients 4.4 was seen keeping batches well past
        // delivery.timeout.ms (30 s+ in AgentPipelineIT); the executor must cancel promptly.
        return done.orTimeout(storeDeadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        // Not durable: the executor cancels these pages, which stay resident with their old
                        // version. A record may still land later, so a re-store of that version must be pinned.
                        for (var en : mine) {
                            buffer.remove(en.getKey(), en.getValue());
                            droppedVersions.put(en.getKey(), en.getValue().version());
                        }
                    }
                });
    }

    @Override
    public FetchedPage fetch(PageKey key, MemorySegment into) {
        ensureOpen();
        Buffered b = buffer.get(key);
        if (b != null) {
            if (!b.zero()) {
                decompress(key, b.compressed(), b.rawLength(), into);
            }
            fromBuffer.increment();
            return new FetchedPage(b.version(), b.checksum(), b.zero());
        }
        Optional<StoredPage> p = rpc().get(vmId, key.region(), key.page());
        if (p.isEmpty()) {
            misses.increment();
            return null;
        }
        StoredPage s = p.get();
        if (!s.zero()) {
            if (s.compression() == StoredPage.Compression.LZ4) {
                decompress(key, s.contents(), s.rawLength(), into);
            } else {
                MemorySegment.copy(MemorySegment.ofArray(s.contents()), 0, into, 0, s.rawLength());
            }
        }
        fromRpc.increment();
        return new FetchedPage(s.version(), s.checksum(), s.zero());
    }

    @Override
    public void drop(PageKey key, long version) {
        if (!open.get()) {
            return;
        }
        buffer.computeIfPresent(key, (k, b) -> b.version() == version ? null : b);
        droppedVersions.put(key, version);
        drops.increment();
        // REFAULTED: the page stayed in (is back in) guest memory; the stored version is not needed.
        PageDropped d = PageDropped.newBuilder().setVmId(vmId).setRegion(key.region()).setCycle(cycle.getAsLong())
                .setPage(key.page()).setVersion(version).setReason(DropReason.REFAULTED).setAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(Topics.PAGE_DROPS, vmId.getBytes(StandardCharsets.UTF_8),
                        Codec.encode(d)))
                .subscribe(md -> { }, e -> LOG.warn("PageDropped {} v{} of {} not sent", key, version, vmId, e));
    }

    private void onAck(ConsumedRecord rec) {
        try {
            if (rec.key() != null && !vmId.equals(new String(rec.key(), StandardCharsets.UTF_8))) {
                return;
            }
            PageStored s = Codec.decode(rec.value(), PageStored.class);
            if (!vmId.equals(s.getVmId())) {
                return;
            }
            PageKey key = new PageKey(s.getRegion(), s.getPage());
            long v = s.getVersion();
            long c = s.getCycle();
            boolean[] stale = {false};
            if (buffer.computeIfPresent(key, (k, b) -> {
                if (b.pinned() || b.version() > v) {
                    return b;
                }
                if (c < b.cycle()) {
                    // Acks a copy older than ours whatever its version says: a previous incarnation of this VM id
                    // (a new VM's versions start again at 1), e.g. replayed by a tier-store rebuilding from the topic.
                    stale[0] = true;
                    return b;
                }
                return null;
            }) == null) {
                acksApplied.increment();
            }
            if (stale[0]) {
                staleAcks.increment();
            }
        } catch (SchemaException | IllegalArgumentException e) {
            LOG.warn("ignoring malformed PageStored at {}: {}", rec.source(), e.getMessage());
        } finally {
            rec.ack();
        }
    }

    private void decompress(PageKey key, byte[] compressed, int rawLength, MemorySegment into) {
        byte[] raw = new byte[rawLength];
        int n = decompressor.decompress(compressed, 0, compressed.length, raw, 0, rawLength);
        if (n != rawLength) {
            // The refaulter's checksum check would catch it too; say what happened instead.
            throw new IllegalStateException("page " + key + " of " + vmId + " decompressed to " + n + " of "
                    + rawLength + " bytes");
        }
        MemorySegment.copy(MemorySegment.ofArray(raw), 0, into, 0, rawLength);
    }

    private synchronized PageRpcClient rpc() {
        if (rpc == null) {
            rpc = PageRpcClient.connect(tierStore);
        }
        return rpc;
    }

    public Stats stats() {
        return new Stats(buffer.size(), stored.sum(), fromBuffer.sum(), fromRpc.sum(), misses.sum(),
                acksApplied.sum(), drops.sum(), staleAcks.sum());
    }

    /** Pages held in this process (awaiting the tier-store's ack, or pinned). */
    public int inFlight() {
        return buffer.size();
    }

    /**
     * In-flight pages no ack releases: re-stored versions pinned until a higher version is stored (class comment).
     * {@link #inFlight()} drains to this, not to zero, once the tier-store has caught up.
     */
    public int pinned() {
        int n = 0;
        for (Buffered b : buffer.values()) {
            n += b.pinned() ? 1 : 0;
        }
        return n;
    }

    @Override
    public String describe() {
        return "kafka (" + Topics.PAGES + ", acks=all) + tier-store " + tierStore.getHostString() + ":"
                + tierStore.getPort();
    }

    private void ensureOpen() {
        if (!open.get()) {
            throw new IllegalStateException("KafkaPageTier of " + vmId + " is closed");
        }
    }

    /** Stops the ack consumer, flushes and closes the producer, closes the RPC connection. Idempotent. */
    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        acks.close();
        ackSubscription.dispose();
        producer.close();
        synchronized (this) {
            if (rpc != null) {
                rpc.close();
            }
        }
        buffer.clear();
    }
}
