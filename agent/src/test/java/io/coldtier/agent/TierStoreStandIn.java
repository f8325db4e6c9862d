package io.coldtier.agent;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.tierstore.PageRpcServer;
import io.coldtier.tierstore.PageStore;
import io.coldtier.tierstore.StoreOptions;
import io.coldtier.tierstore.StoredPage;
import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest tier-store the agent can talk to (the real service is another module's work): PageOut from
 * {@code coldtier.pages} into a {@link PageStore}, a {@link PageStored} ack once the put returned (fsync'd), and the
 * page RPC for refault fetches.
 */
final class TierStoreStandIn implements AutoCloseable {
    private final PageStore store;
    private final PageRpcServer server;
    private final ReactiveConsumer consumer;
    private final ReactiveProducer producer;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("standin-store").daemon(true).unstarted(r));
    private final Disposable subscription;
    final AtomicLong stored = new AtomicLong();

    TierStoreStandIn(Path dir, KafkaSettings kafka, String group) {
        this.store = PageStore.open(dir.resolve("pages"), StoreOptions.defaults());
        this.server = PageRpcServer.start(store, new InetSocketAddress("127.0.0.1", 0));
        this.producer = ReactiveProducer.create(kafka, "standin-acks");
        this.consumer = ReactiveConsumer.subscribe(kafka, "standin-pages", group, List.of(Topics.PAGES));
        this.subscription = consumer.receive().publishOn(Schedulers.fromExecutorService(worker))
                .subscribe(this::ingest);
    }

    private void ingest(ConsumedRecord rec) {
        PageOut p = Codec.decode(rec.value(), PageOut.class);
        ByteBuffer c = p.getContents();
        byte[] bytes = new byte[c.remaining()];
        c.duplicate().get(bytes);
        StoredPage sp = p.getZero()
                ? StoredPage.zeroPage(p.getVmId(), p.getRegion(), p.getPage(), p.getVersion(), p.getChecksum(),
                p.getRawLength())
                : p.getCompression() == Compression.LZ4
                ? StoredPage.lz4(p.getVmId(), p.getRegion(), p.getPage(), p.getVersion(), p.getChecksum(),
                p.getRawLength(), bytes)
                : StoredPage.raw(p.getVmId(), p.getRegion(), p.getPage(), p.getVersion(), p.getChecksum(), bytes);
        store.put(sp);
        stored.incrementAndGet();
        PageStored ack = PageStored.newBuilder().setVmId(p.getVmId()).setRegion(p.getRegion()).setCycle(p.getCycle())
                .setPage(p.getPage()).setVersion(p.getVersion()).setStoredAt(Instant.now()).setStore("stand-in")
                .build();
        producer.send(new ProducerRecord<>(Topics.PAGE_ACKS, p.getVmId().getBytes(StandardCharsets.UTF_8),
                Codec.encode(ack))).subscribe(md -> rec.ack(), e -> { });
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    PageStore store() {
        return store;
    }

    @Override
    public void close() {
        consumer.close();
        subscription.dispose();
        worker.shutdown();
        producer.close();
        server.close();
        store.close();
    }
}
