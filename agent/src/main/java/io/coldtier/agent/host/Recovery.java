package io.coldtier.agent.host;

import io.coldtier.agent.RecoveredPage;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.handover.HandOverException;
import io.coldtier.handover.RejectCode;
import io.coldtier.linux.Memfd;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.PageKeys;
import io.coldtier.schemas.PageRef;
import io.coldtier.schemas.Partitioning;
import io.coldtier.schemas.SchemaException;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.tierstore.PageRpcClient;
import io.coldtier.tierstore.StoredPage;
import net.jpountz.lz4.LZ4Factory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.roaringbitmap.RoaringBitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds what a previous agent left behind for a VM, before the new agent answers a single fault: which pages
 * are evicted, at which version, and where their copies are.
 *
 * <p><b>Sources of truth.</b> (1) {@code coldtier.pages}, read on the VM's partition from the beginning to the end
 * offset seen now: every copy Kafka acknowledged is there, including those the tier-store had not ingested when the
 * agent died (a page is punched only after that acknowledgement). (2) The memfds: a page is evicted iff its memfd
 * has a hole there ({@code lseek(SEEK_DATA/SEEK_HOLE)}) <em>and</em> the topic holds a copy of it. A hole without a
 * copy was never written; a page with data is resident whatever the topic holds (its copy is older, or its eviction
 * was cancelled or never finished). The newest copy of a hole is the right one: a page becomes a hole only by the
 * punch that follows the durable store of its newest copy.
 *
 * <p><b>Where a refault finds the copy.</b> The tier-store is asked (BATCH_GET) for every evicted page; those it
 * serves at the topic's version stay there, the others (not ingested yet, or deleted by a PageDropped) are kept in
 * the agent's in-flight buffer from the topic's bytes.
 *
 * <p>hugetlbfs does not track holes, so a 2 MiB region with copies on the topic cannot be recovered: that is
 * refused rather than guessed (a wrong guess maps a zero page over evicted data).
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /**
     * @param evicted   pages seeded EVICTED
     * @param resident  pages with a stored copy that are resident (their next version is above it)
     * @param buffered  evicted pages whose copy the agent keeps because the tier-store does not serve it
     * @param records   PageOut records of this VM read from the topic
     * @param buffer    the copies to keep, for AgentService.Options
     * @param stored    every page with a copy on the topic, per region index (tombstoned when the VM is gone)
     */
    record Result(long evicted, long resident, long buffered, long records, Map<PageKey, RecoveredPage> buffer,
                  Map<Integer, RoaringBitmap> stored, long millis) {
        static Result none(long millis) {
            return new Result(0, 0, 0, 0, Map.of(), Map.of(), millis);
        }
    }

    /** The newest copy seen on the topic; contents kept only for pages that are holes. */
    private record Latest(long version, int checksum, boolean zero, int rawLength, byte[] lz4, long cycle) {}

    private Recovery() {}

    /**
     * Reads the topic and the memfds, asks the tier-store, and seeds the page states of {@code memory}, whose fault
     * loop must not run yet.
     *
     * @throws HandOverException UNAVAILABLE if Kafka or the tier-store cannot be reached (the VMM retries), or
     *                           ATTACH_FAILED if the stored pages do not fit the handed-over layout
     */
    static Result recover(GuestMemory memory, String vmId, KafkaSettings kafka, int partitions,
                          InetSocketAddress tierStore, Duration timeout) {
        long t0 = System.nanoTime();
        List<RoaringBitmap> holes = new ArrayList<>();
        for (GuestRegion r : memory.regions()) {
            holes.add(holes(r));
        }
        Map<PageKey, Latest> latest = new HashMap<>();
        long records = readTopic(vmId, kafka, partitions, timeout, memory, holes, latest);
        if (latest.isEmpty()) {
            return Result.none((System.nanoTime() - t0) / 1_000_000);
        }
        Map<PageKey, RecoveredPage> buffer = new HashMap<>();
        long evicted = 0;
        try (PageRpcClient rpc = PageRpcClient.connect(tierStore, Duration.ofSeconds(5))) {
            for (GuestRegion r : memory.regions()) {
                evicted += checkTierStore(rpc, vmId, r, holes.get(r.index()), latest, buffer);
            }
        } catch (RuntimeException e) {
            if (e instanceof HandOverException h) {
                throw h;
            }
            throw new HandOverException(RejectCode.UNAVAILABLE, "recovery of " + vmId + " needs the tier-store at "
                    + tierStore.getHostString() + ":" + tierStore.getPort() + ": " + e.getMessage(), e);
        }
        long resident = 0;
        Map<Integer, RoaringBitmap> stored = new HashMap<>();
        for (var e : latest.entrySet()) {
            GuestRegion r = memory.region(e.getKey().region());
            boolean hole = holes.get(r.index()).contains((int) e.getKey().page());
            r.states().recover(e.getKey().page(), e.getValue().version(), hole);
            resident += hole ? 0 : 1;
            stored.computeIfAbsent(r.index(), k -> new RoaringBitmap()).add((int) e.getKey().page());
        }
        Result res = new Result(evicted, resident, buffer.size(), records, Map.copyOf(buffer), Map.copyOf(stored),
                (System.nanoTime() - t0) / 1_000_000);
        LOG.info("recovered {}: {} pages evicted ({} kept in the agent, the tier-store serves the rest), {} resident"
                + " pages with older copies, from {} records in {} ms", vmId, res.evicted(), res.buffered(),
                res.resident(), res.records(), res.millis());
        return res;
    }

    /** Pages of {@code r} whose memfd range is a hole (never written, or punched). */
    static RoaringBitmap holes(GuestRegion r) {
        Memfd memfd = r.memfd();
        long ps = r.pageSize();
        long start = r.memfdOffset(0);
        long end = start + r.size();
        RoaringBitmap data = new RoaringBitmap();
        long pos = start;
        while (pos < end) {
            long d = memfd.seekData(pos);
            if (d < 0 || d >= end) {
                break;
            }
            long h = Math.min(end, memfd.seekHole(d));
            data.add((d - start) / ps, (h - start + ps - 1) / ps);
            pos = h;
        }
        RoaringBitmap holes = new RoaringBitmap();
        holes.add(0L, r.pages());
        holes.andNot(data);
        return holes;
    }

    private static long readTopic(String vmId, KafkaSettings kafka, int partitions, Duration timeout,
                                  GuestMemory memory, List<RoaringBitmap> holes, Map<PageKey, Latest> latest) {
        TopicPartition tp = new TopicPartition(Topics.PAGES, Partitioning.partitionFor(vmId, partitions));
        String prefix = vmId + "/";
        long deadline = System.nanoTime() + timeout.toNanos();
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumerProps(null, "recovery-" + vmId))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), timeout).get(tp);
            while (c.position(tp, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new HandOverException(RejectCode.UNAVAILABLE, "reading " + tp + " for " + vmId
                            + " did not reach offset " + end + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    if (rec.offset() >= end || rec.key() == null) {
                        continue;
                    }
                    String key = new String(rec.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(prefix)) {
                        continue; // another VM on the same partition
                    }
                    records++;
                    apply(vmId, key, rec, memory, holes, latest);
                }
            }
        } catch (KafkaException e) {
            throw new HandOverException(RejectCode.UNAVAILABLE, "cannot read " + tp + " to recover " + vmId + ": "
                    + e.getMessage(), e);
        }
        return records;
    }

    private static void apply(String vmId, String key, ConsumerRecord<byte[], byte[]> rec, GuestMemory memory,
                              List<RoaringBitmap> holes, Map<PageKey, Latest> latest) {
        PageRef ref;
        try {
            ref = PageKeys.parse(key);
        } catch (IllegalArgumentException e) {
            LOG.warn("recovery of {} skips {}-{}@{}: {}", vmId, rec.topic(), rec.partition(), rec.offset(), e.getMessage());
            return;
        }
        if (!ref.vmId().equals(vmId)) {
            return;
        }
        PageKey pk = new PageKey(ref.region(), ref.page());
        if (rec.value() == null) {
            latest.remove(pk); // tombstone: the store forgets the page
            return;
        }
        PageOut out;
        try {
            out = Codec.decode(rec.value(), PageOut.class);
        } catch (SchemaException | IllegalArgumentException e) {
            LOG.warn("recovery of {} skips undecodable {}-{}@{}: {}", vmId, rec.topic(), rec.partition(), rec.offset(),
                    e.getMessage());
            return;
        }
        if (ref.region() >= memory.regions().size() || ref.page() >= memory.region(ref.region()).pages()) {
            throw new HandOverException(RejectCode.ATTACH_FAILED, "coldtier.pages holds page " + ref.page()
                    + " of region " + ref.region() + " of " + vmId + ", which the handed-over layout does not have;"
                    + " a VMM must re-send the layout it first handed over");
        }
        GuestRegion r = memory.region(ref.region());
        if (r.pageSize() != RegionSpec.PAGE_4K) {
            // hugetlbfs reports a memfd as all data (it has no SEEK_HOLE support): holes cannot be trusted.
            throw new HandOverException(RejectCode.ATTACH_FAILED, "region " + r.index() + " of " + vmId
                    + " is hugetlbfs, whose holes cannot be read back: recovering its evicted pages is not supported");
        }
        Latest old = latest.get(pk);
        if (old != null && old.version() >= out.getVersion()) {
            return;
        }
        boolean hole = holes.get(r.index()).contains((int) ref.page());
        latest.put(pk, new Latest(out.getVersion(), out.getChecksum(), out.getZero(), out.getRawLength(),
                hole ? lz4(out) : null, out.getCycle()));
    }

    private static byte[] lz4(PageOut out) {
        ByteBuffer b = out.getContents();
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        if (out.getZero() || out.getCompression() == Compression.LZ4) {
            return out.getZero() ? new byte[0] : bytes;
        }
        return LZ4Factory.fastestInstance().fastCompressor().compress(bytes);
    }

    /** For the hole pages of {@code r} with a copy: which ones the tier-store serves; the rest go to {@code buffer}. */
    private static long checkTierStore(PageRpcClient rpc, String vmId, GuestRegion r, RoaringBitmap holes,
                                       Map<PageKey, Latest> latest, Map<PageKey, RecoveredPage> buffer) {
        List<Long> pages = new ArrayList<>();
        for (var e : latest.entrySet()) {
            if (e.getKey().region() == r.index() && holes.contains((int) e.getKey().page())) {
                pages.add(e.getKey().page());
            }
        }
        pages.sort(Long::compare);
        for (int from = 0; from < pages.size(); from += 256) {
            long[] batch = pages.subList(from, Math.min(pages.size(), from + 256)).stream().mapToLong(Long::longValue)
                    .toArray();
            List<Optional<StoredPage>> got = rpc.getBatch(vmId, r.index(), batch);
            for (int i = 0; i < batch.length; i++) {
                PageKey key = new PageKey(r.index(), batch[i]);
                Latest l = latest.get(key);
                Optional<StoredPage> s = got.get(i);
                if (s.isPresent() && s.get().version() == l.version() && s.get().checksum() == l.checksum()) {
                    continue;
                }
                buffer.put(key, new RecoveredPage(l.version(), l.checksum(), l.zero(), l.rawLength(), l.lz4(),
                        l.cycle()));
            }
        }
        return pages.size();
    }
}
