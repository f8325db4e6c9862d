package io.coldtier.tierstore.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.DeadLetters;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.schemas.Topics;
import io.coldtier.tierstore.PageRpcServer;
import io.coldtier.tierstore.PageStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The tier-store process: ingests {@code PageOut}s from {@code coldtier.pages} into the {@link PageStore}, acks
 * each durable version with a {@code PageStored} on {@code coldtier.page-acks}, applies {@code PageDropped}s
 * from {@code coldtier.page-drops}, and serves refault fetches over the {@link PageRpcServer}.
 *
 * <p><b>Durability order</b> per batch (at most {@value #BATCH} records, whatever arrived within
 * {@link #BATCH_WAIT}): (1) one fsync'd {@code putAll}; (2) produce the PageStored acks and any dead letters and
 * wait for the broker's acks=all; (3) {@link ConsumedRecord#ack()} every record, which lets the consumer commit
 * the offsets. A crash anywhere in between redelivers the batch; the store's version rule makes the replay a
 * no-op (DUPLICATE, acked again). A failed step retries the whole batch with backoff (100 ms to 5 s) until it
 * succeeds or the service closes; the batch's records stay unacked meanwhile.
 *
 * <p><b>Rebuild.</b> A store that is empty at start (fresh or deleted directory) is first rebuilt from the
 * compacted {@code coldtier.pages} topic, read from the beginning to the end offsets seen at start; the RPC and
 * the consumers start only afterwards, so a fetch never sees a half-rebuilt store.
 */
public final class TierStoreService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TierStoreService.class.getName());
    /** Pages per putAll: amortises the fsync (see the README's figures) while keeping a batch's latency small. */
    static final int BATCH = 256;
    static final Duration BATCH_WAIT = Duration.ofMillis(20);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final TierStoreConfig config;
    private final Clock clock;
    private final KafkaSettings settings;
    private final ServiceMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Scheduler pagesWriter = Schedulers.newSingle("tier-store-pages-writer", true);
    private final Scheduler dropsWriter = Schedulers.newSingle("tier-store-drops-writer", true);
    // Set once by start(); read by close(), which runs after start() returned or from start() itself.
    private PageStore store;
    private PageRpcServer server;
    private ReactiveProducer producer;
    private ReactiveConsumer pagesIn;
    private ReactiveConsumer dropsIn;
    private Disposable pagesFlow;
    private Disposable dropsFlow;
    private long rebuiltPages;

    private TierStoreService(TierStoreConfig config, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.settings = KafkaSettings.of(config.bootstrapServers(), "tier-store");
        this.metrics = new ServiceMetrics(registry);
    }

    /** {@link #start(TierStoreConfig, MeterRegistry, Clock)} with the system clock. */
    public static TierStoreService start(TierStoreConfig config, MeterRegistry registry) {
        return start(config, registry, Clock.systemUTC());
    }

    /**
     * Creates the coldtier topics if missing, opens the store (rebuilding it if empty), then starts the RPC
     * server and the consumers. Blocks until all of that is done; on failure everything opened is closed again.
     *
     * @param clock stamps PageStored.storedAt and DeadLetter.at
     */
    public static TierStoreService start(TierStoreConfig config, MeterRegistry registry, Clock clock) {
        TierStoreService s = new TierStoreService(Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(clock, "clock"));
        try {
            s.startAll();
            return s;
        } catch (RuntimeException e) {
            try {
                s.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void startAll() {
        long t0 = System.nanoTime();
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            // Idempotent; lets a fresh cluster work without a separate set-up step.
            admin.ensureTopics(Topics.newTopics(config.partitions(), (short) 1));
        }
        store = PageStore.open(config.dataDir(), config.store());
        if (store.isEmpty()) {
            rebuild();
        }
        server = PageRpcServer.start(store, config.rpcBind());
        metrics.bindRpc(server);
        producer = new ReactiveProducer("tier-store", producerProps());
        DeadLetters dlq = new DeadLetters(producer, Topics.DEAD_LETTERS,
                (rec, reason) -> PageRecords.deadLetter(rec, reason, clock.instant()));
        Ingest ingest = new Ingest(store, dlq, metrics, clock, storeId());
        pagesIn = ReactiveConsumer.subscribe(settings, "tier-store-pages", config.groupId(), List.of(Topics.PAGES));
        dropsIn = ReactiveConsumer.subscribe(settings, "tier-store-drops", config.dropsGroupId(),
                List.of(Topics.PAGE_DROPS));
        pagesFlow = flow(pagesIn, ingest::pages, pagesWriter, Topics.PAGES);
        dropsFlow = flow(dropsIn, ingest::drops, dropsWriter, Topics.PAGE_DROPS);
        LOG.info(() -> String.format("tier-store %s started in %d ms: store %s, rpc port %d, group %s",
                storeId(), (System.nanoTime() - t0) / 1_000_000, store.dir(), server.port(), config.groupId()));
    }

    /** Puts every decodable PageOut of the compacted topic (tombstones delete), up to the end offsets seen now. */
    private void rebuild() {
        long t0 = System.nanoTime();
        LOG.info(() -> "store " + store.dir() + " is empty: rebuilding from " + Topics.PAGES);
        Ingest ingest = new Ingest(store, null, metrics, clock, "rebuild");
        try (ReactiveConsumer replay = ReactiveConsumer.replay(settings, "tier-store-rebuild", List.of(Topics.PAGES))) {
            Long n = replay.receive()
                    .buffer(BATCH)
                    .publishOn(pagesWriter, 4)   // the store write must not block the consumer thread
                    .map(ingest::rebuild)
                    .reduce(0L, Long::sum)
                    .block();
            rebuiltPages = n == null ? 0 : n;
        }
        metrics.pagesRebuilt.increment(rebuiltPages);
        LOG.info(() -> String.format("rebuilt %d pages in %d ms from %s", rebuiltPages,
                (System.nanoTime() - t0) / 1_000_000, Topics.PAGES));
    }

    /** One consumer's pipeline: batches, applied one at a time on {@code writer}, each acked only when durable. */
    private Disposable flow(ReactiveConsumer in, Function<List<ConsumedRecord>, Ingest.Outcome> step,
                            Scheduler writer, String topic) {
        return in.receive()
                .bufferTimeout(BATCH, BATCH_WAIT, true)
                .concatMap(batch -> Mono.fromCallable(() -> step.apply(batch))
                        .subscribeOn(writer)
                        .flatMap(out -> producer.sendAll(out.toSend())
                                .doOnSuccess(md -> metrics.deadLetters.increment(out.deadLetters())))
                        .doOnSuccess(md -> batch.forEach(ConsumedRecord::ack))
                        .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
                                .maxBackoff(Duration.ofSeconds(5))
                                .doBeforeRetry(r -> LOG.log(Level.WARNING, "batch of " + batch.size() + " from "
                                        + topic + " failed (attempt " + (r.totalRetries() + 1) + "), retrying",
                                        r.failure()))), 1)
                .subscribe(md -> { },
                        e -> LOG.log(Level.SEVERE, "consumer of " + topic + " failed; it no longer ingests", e));
    }

    private Properties producerProps() {
        Properties props = settings.producerProps("tier-store");
        // A dead letter carries a whole PageOut (up to Topics.MAX_RECORD_BYTES) plus metadata.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES + (1 << 20)));
        return props;
    }

    /** Where the RPC listens, as bound. */
    public InetSocketAddress rpcAddress() {
        return server.address();
    }

    /** The bound RPC port (the real one when {@code rpcBind} asked for port 0). */
    public int rpcPort() {
        return server.port();
    }

    /** PageStored.store: {@code <rpc host>:<rpc port>} as bound. */
    public String storeId() {
        return config.rpcBind().getHostString() + ":" + server.port();
    }

    /** The page store (for read-only inspection; the service owns and closes it). */
    public PageStore store() {
        return store;
    }

    /** Pages written by the rebuild at start; 0 when the store was not empty. */
    public long rebuiltPages() {
        return rebuiltPages;
    }

    public TierStoreConfig config() {
        return config;
    }

    /**
     * Stops everything, idempotently, in this order (do not rearrange):
     * <ol>
     *   <li>the pipelines (cancels pending retries), then the consumers: they commit what was acked, i.e. what is
     *       durable, and leave their groups; a batch still in flight is redelivered to the next owner;</li>
     *   <li>the writer threads, waiting for a running store write to finish (the store must outlive it);</li>
     *   <li>the RPC server: no more refault fetches;</li>
     *   <li>the producer, flushing acks and dead letters already sent;</li>
     *   <li>the store, last, because every step above may still touch it;</li>
     *   <li>the meters, so a restart with the same registry binds fresh gauges.</li>
     * </ol>
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        dispose(pagesFlow);
        dispose(dropsFlow);
        closeQuietly(pagesIn);
        closeQuietly(dropsIn);
        for (Scheduler s : List.of(pagesWriter, dropsWriter)) {
            try {
                s.disposeGracefully().block(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "writer thread did not stop in " + CLOSE_TIMEOUT, e);
                s.dispose();
            }
        }
        closeQuietly(server);
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
        }
        closeQuietly(store);
        metrics.close();
        LOG.info(() -> "tier-store " + (store == null ? config.dataDir() : store.dir()) + " closed");
    }

    private static void dispose(Disposable d) {
        if (d != null) {
            d.dispose();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing " + c + " failed", e);
        }
    }
}
