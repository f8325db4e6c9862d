package io.coldtier.tierstore.service;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.PageKeys;
import io.coldtier.schemas.Partitioning;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.DropReason;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.tierstore.PageRpcClient;
import io.coldtier.tierstore.StoreOptions;
import io.coldtier.tierstore.StoredPage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import net.jpountz.lz4.LZ4Factory;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/** The service against an in-process KRaft broker: ingest, acks, dead letters, restart, rebuild, drops. */
@Tag("kafka")
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TierStoreServiceIT {
    private static final int PARTITIONS = 3;
    private static final int PAGE = 4096;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    EmbeddedKafka kafka;
    KafkaSettings settings;
    ReactiveProducer producer;
    ReactiveConsumer acksIn;
    ReactiveConsumer deadIn;
    Disposable acksFlow;
    Disposable deadFlow;
    final Queue<PageStored> acks = new ConcurrentLinkedQueue<>();
    final Queue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    void startKafka() {
        kafka = EmbeddedKafka.start();
        settings = KafkaSettings.of(kafka.bootstrapServers(), "tier-store-it");
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            admin.ensureTopics(Topics.newTopics(PARTITIONS, (short) 1));
        }
        producer = ReactiveProducer.create(settings, "it-producer");
        acksIn = ReactiveConsumer.subscribe(settings, "it-acks", "it-acks", List.of(Topics.PAGE_ACKS));
        acksFlow = acksIn.receive().subscribe(r -> {
            acks.add(Codec.decode(r.value(), PageStored.class));
            r.ack();
        });
        deadIn = ReactiveConsumer.subscribe(settings, "it-dead", "it-dead", List.of(Topics.DEAD_LETTERS));
        deadFlow = deadIn.receive().subscribe(r -> {
            deadLetters.add(Codec.decode(r.value(), DeadLetter.class));
            r.ack();
        });
    }

    @AfterAll
    void stopKafka() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        acksFlow.dispose();
        deadFlow.dispose();
        acksIn.close();
        deadIn.close();
        producer.close();
        kafka.close();
    }

    @Test
    void pageOuts_areStoredAckedAndServedOverRpc() {
        MeterRegistry meters = new SimpleMeterRegistry();
        TierStoreService service = start(config("t1", "g-t1"), meters);
        List<PageOut> outs = new ArrayList<>();
        for (int p = 0; p < 10; p++) {
            outs.add(lz4Page("vm-t1", p, 1));
        }
        outs.add(zeroPage("vm-t1", 10, 1));
        sendPages(outs);

        awaitAcks("vm-t1", 0, 10, 1);
        try (PageRpcClient client = PageRpcClient.connect(rpc(service))) {
            for (PageOut o : outs) {
                StoredPage p = client.get("vm-t1", 0, o.getPage()).orElseThrow();
                assertThat(p.version()).isEqualTo(1);
                assertThat(p.checksum()).isEqualTo(o.getChecksum());
                assertThat(p.zero()).isEqualTo(o.getZero());
                assertThat(p.contents()).isEqualTo(bytes(o.getContents()));
            }
            assertThat(client.get("vm-t1", 0, 11)).isEmpty();
        }
        assertThat(acks.stream().filter(a -> a.getVmId().equals("vm-t1")).map(PageStored::getStore).distinct())
                .containsExactly(service.storeId());
        assertThat(meters.get("coldtier.tierstore.pages.stored").counter().count()).isGreaterThanOrEqualTo(11);
        assertThat(meters.get("coldtier.tierstore.rpc.requests").gauge().value()).isGreaterThanOrEqualTo(12);
        service.close();
        assertThat(meters.getMeters()).as("meters removed on close").isEmpty();
    }

    @Test
    void poisonRecord_isDeadLetteredAndLaterRecordsAreStillStored() {
        MeterRegistry meters = new SimpleMeterRegistry();
        TierStoreService service = start(config("t2", "g-t2"), meters);
        String poisonKey = PageKeys.key("vm-t2", 0, 0);
        producer.send(new ProducerRecord<>(Topics.PAGES, Partitioning.partitionFor("vm-t2", PARTITIONS),
                poisonKey.getBytes(StandardCharsets.UTF_8), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8)))
                .block(WAIT);
        sendPages(List.of(lz4Page("vm-t2", 1, 1)));

        await("dead letter of " + poisonKey, () -> deadLetters.stream().anyMatch(d -> "vm-t2".equals(d.getVmId())));
        DeadLetter d = deadLetters.stream().filter(x -> "vm-t2".equals(x.getVmId())).findFirst().orElseThrow();
        assertThat(d.getSourceTopic()).isEqualTo(Topics.PAGES);
        assertThat(d.getReason()).contains("not Avro single-object encoding");
        assertThat(new String(bytes(d.getKey()), StandardCharsets.UTF_8)).isEqualTo(poisonKey);
        assertThat(new String(bytes(d.getValue()), StandardCharsets.UTF_8)).isEqualTo("{\"not\":\"avro\"}");

        awaitAcks("vm-t2", 1, 1, 1);
        assertThat(service.store().get("vm-t2", 0, 1)).isPresent();
        assertThat(service.store().get("vm-t2", 0, 0)).isEmpty();
        await("dead-letter metric", () -> meters.get("coldtier.tierstore.dead.letters").counter().count() >= 1);
        service.close();
    }

    @Test
    void restart_resumesFromCommittedOffsets_andEmptyDirIsRebuiltFromCompactedTopic() throws IOException {
        TierStoreConfig cfg = config("t3", "g-t3");
        TierStoreService first = start(cfg, new SimpleMeterRegistry());
        List<PageOut> v1 = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            v1.add(lz4Page("vm-t3", p, 1));
        }
        sendPages(v1);
        awaitAcks("vm-t3", 0, 4, 1);
        first.close();

        List<PageOut> more = new ArrayList<>();
        for (int p = 5; p < 10; p++) {
            more.add(lz4Page("vm-t3", p, 1));
        }
        more.add(lz4Page("vm-t3", 0, 2));
        sendPages(more);

        MeterRegistry meters = new SimpleMeterRegistry();
        TierStoreService second = start(cfg, meters);
        assertThat(second.rebuiltPages()).isZero();
        awaitAcks("vm-t3", 5, 9, 1);
        awaitAcks("vm-t3", 0, 0, 2);
        assertLatest(second, "vm-t3");
        // Resumed after the committed offsets: no page of the first run was ingested (and acked) again. A
        // redelivery would have come before the pages awaited above, which sit behind it on the same partition.
        for (long p = 1; p < 5; p++) {
            long page = p;
            assertThat(acks.stream().filter(a -> a.getVmId().equals("vm-t3") && a.getPage() == page
                    && a.getVersion() == 1)).as("acks of page %d v1", p).hasSize(1);
        }
        second.close();

        deleteRecursively(cfg.dataDir());
        TierStoreService third = start(cfg, new SimpleMeterRegistry());
        assertThat(third.rebuiltPages()).isGreaterThanOrEqualTo(10);
        assertLatest(third, "vm-t3"); // no waiting: start() returns only after the rebuild
        third.close();
    }

    @Test
    void pageDropped_deletesUpToItsVersion_andOlderPageOutIsIgnored() {
        MeterRegistry meters = new SimpleMeterRegistry();
        TierStoreService service = start(config("t4", "g-t4"), meters);
        sendPages(List.of(lz4Page("vm-t4", 0, 1), lz4Page("vm-t4", 1, 3), lz4Page("vm-t4", 2, 1)));
        awaitAcks("vm-t4", 0, 0, 1);
        awaitAcks("vm-t4", 1, 1, 3);
        awaitAcks("vm-t4", 2, 2, 1);

        sendDrop("vm-t4", 0, 1);
        sendDrop("vm-t4", 1, 2); // older than the stored v3: keeps the page
        sendDrop("vm-t4", 2, 1); // marker: same partition, so the two drops before it are done when it is
        await("page 0 dropped", () -> service.store().get("vm-t4", 0, 0).isEmpty()
                && service.store().get("vm-t4", 0, 2).isEmpty());
        assertThat(service.store().get("vm-t4", 0, 1).orElseThrow().version()).isEqualTo(3);

        sendPages(List.of(lz4Page("vm-t4", 1, 2), lz4Page("vm-t4", 3, 1))); // stale v2, then a marker
        awaitAcks("vm-t4", 3, 3, 1);
        assertThat(service.store().get("vm-t4", 0, 1).orElseThrow().version()).isEqualTo(3);
        assertThat(acks.stream().anyMatch(a -> a.getVmId().equals("vm-t4") && a.getPage() == 1 && a.getVersion() == 2))
                .as("no PageStored for a stale version").isFalse();
        // >= 1: a fresh group also re-reads the other tests' pages, whose older versions are stale here too.
        assertThat(meters.get("coldtier.tierstore.pages.ignored").tag("result", "stale").counter().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(meters.get("coldtier.tierstore.pages.deleted").tag("cause", "drop").counter().count()).isEqualTo(2);
        service.close();
    }

    // --- helpers ---

    private TierStoreConfig config(String name, String group) {
        return new TierStoreConfig(kafka.bootstrapServers(), tmp.resolve(name).resolve("pages"), LOOPBACK_ANY_PORT,
                group + "-" + UUID.randomUUID(), PARTITIONS, StoreOptions.defaults());
    }

    /** Each test closes its service (one runs at a time); {@link #stopKafka} closes any an assertion left open. */
    private TierStoreService start(TierStoreConfig cfg, MeterRegistry meters) {
        TierStoreService s = TierStoreService.start(cfg, meters);
        toClose.add(s);
        return s;
    }

    private static InetSocketAddress rpc(TierStoreService s) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.rpcPort());
    }

    private void assertLatest(TierStoreService s, String vm) {
        try (PageRpcClient client = PageRpcClient.connect(rpc(s))) {
            for (int p = 0; p < 10; p++) {
                long version = p == 0 ? 2 : 1;
                StoredPage got = client.get(vm, 0, p).orElseThrow(() -> new AssertionError("page missing"));
                assertThat(got.version()).as("version of page %d", p).isEqualTo(version);
                assertThat(got.contents()).isEqualTo(bytes(lz4Page(vm, p, version).getContents()));
            }
        }
    }

    private void sendPages(List<PageOut> outs) {
        List<ProducerRecord<byte[], byte[]>> records = outs.stream().map(o -> new ProducerRecord<>(Topics.PAGES,
                Partitioning.partitionFor(o.getVmId(), PARTITIONS),
                PageKeys.key(o.getVmId(), o.getRegion(), o.getPage()).getBytes(StandardCharsets.UTF_8),
                Codec.encode(o))).toList();
        producer.sendAll(records).block(WAIT);
    }

    private void sendDrop(String vm, long page, long version) {
        PageDropped d = PageDropped.newBuilder().setVmId(vm).setRegion(0).setCycle(1).setPage(page)
                .setVersion(version).setReason(DropReason.REFAULTED).setAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(Topics.PAGE_DROPS, vm.getBytes(StandardCharsets.UTF_8), Codec.encode(d)))
                .block(WAIT);
    }

    private void awaitAcks(String vm, long fromPage, long toPage, long version) {
        await("PageStored of " + vm + " pages " + fromPage + ".." + toPage + " v" + version, () -> {
            for (long p = fromPage; p <= toPage; p++) {
                long page = p;
                if (acks.stream().noneMatch(a -> a.getVmId().equals(vm) && a.getPage() == page
                        && a.getVersion() == version)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** An agent-style page: raw bytes derived from (vm, page, version), LZ4 block, CRC32C of the raw bytes. */
    static PageOut lz4Page(String vm, long page, long version) {
        byte[] raw = new byte[PAGE];
        byte[] text = (vm + "/" + page + "/v" + version + ";").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            raw[i] = text[i % text.length];
        }
        byte[] lz4 = LZ4Factory.fastestInstance().fastCompressor().compress(raw);
        return pageOut(vm, page, version, crc(raw), false, Compression.LZ4, lz4);
    }

    static PageOut zeroPage(String vm, long page, long version) {
        return pageOut(vm, page, version, crc(new byte[PAGE]), true, Compression.NONE, new byte[0]);
    }

    private static PageOut pageOut(String vm, long page, long version, int crc, boolean zero, Compression c,
                                   byte[] contents) {
        return PageOut.newBuilder().setVmId(vm).setRegion(0).setCycle(7).setPage(page).setVersion(version)
                .setChecksum(crc).setZero(zero).setCompression(c).setRawLength(PAGE)
                .setContents(ByteBuffer.wrap(contents)).setEvictedAt(Instant.now()).build();
    }

    private static int crc(byte[] raw) {
        CRC32C c = new CRC32C();
        c.update(raw);
        return (int) c.getValue();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
