package io.coldtier.bench.pipeline;

import io.coldtier.agent.AgentConfig;
import io.coldtier.agent.AgentService;
import io.coldtier.agent.KafkaPageTier;
import io.coldtier.bench.BenchGuest;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real stack for figures 1 and 2, in this JVM: an embedded KRaft broker, the tier-store service (RocksDB in a
 * temp dir, fsync on, RPC on loopback), a fully allocated and filled guest, and an {@link AgentService} over it.
 * The benchmark plays the evictor: it publishes {@link EvictCommand}s on {@code coldtier.evictions}, which the
 * agent executes exactly as it executes the evictor service's (TrackingEngine.evict → EvictionExecutor →
 * KafkaPageTier).
 *
 * <p>The agent's detection interval is an hour: its first arm (MADV_DONTNEED at start) is harmless, and no cycle
 * scans or publishes while the figures are measured. Owns everything it starts; {@link #close()} is idempotent.
 */
final class PipelineStack implements AutoCloseable {
    static final String VM = "bench-vm";
    static final int PARTITIONS = 3;
    private static final String TIER_GROUP = "bench-tier-store";
    private static final Duration NO_CYCLES = Duration.ofHours(1);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Path dir;
    private final SimpleMeterRegistry tierMeters = new SimpleMeterRegistry();
    private EmbeddedKafka kafka;
    private TierStoreService tierStore;
    private GuestMemory memory;
    private AgentService agent;
    private ReactiveProducer commands;
    private long commandSeq;
    private boolean closed;

    private PipelineStack(Path dir) {
        this.dir = dir;
    }

    /** Starts broker, tier-store, guest (filled) and agent; on failure closes what it started. */
    static PipelineStack start(PrintStream out, long guestBytes, long seed) throws InterruptedException {
        PipelineStack s;
        try {
            s = new PipelineStack(Files.createTempDirectory("coldtier-bench-pipeline-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for the tier-store", e);
        }
        try {
            s.open(out, guestBytes, seed);
            return s;
        } catch (RuntimeException | InterruptedException e) {
            s.close();
            throw e;
        }
    }

    private void open(PrintStream out, long guestBytes, long seed) throws InterruptedException {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start();
        try (TopicAdmin admin = new TopicAdmin(KafkaSettings.of(kafka.bootstrapServers(), "bench"))) {
            admin.ensureTopics(Topics.newTopics(PARTITIONS, (short) 1));
        }
        long t1 = System.nanoTime();
        tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(), dir.resolve("rocksdb"),
                new InetSocketAddress(LOOPBACK, 0), PARTITIONS).withGroupId(TIER_GROUP), tierMeters);
        long t2 = System.nanoTime();
        memory = BenchGuest.create(guestBytes);
        GuestRegion r = memory.region(0);
        BenchGuest.allocate(r); // no holes: filling raises no MISSING faults
        PipelineGuest.fill(r, seed);
        long t3 = System.nanoTime();
        AgentConfig cfg = AgentConfig.of(VM, KafkaSettings.of(kafka.bootstrapServers(), "bench-agent"),
                new InetSocketAddress(LOOPBACK, tierStore.rpcPort()), PARTITIONS).withInterval(NO_CYCLES);
        agent = new AgentService(memory, cfg).start();
        commands = ReactiveProducer.create(KafkaSettings.of(kafka.bootstrapServers(), "bench-evictor"),
                "bench-commands");
        out.printf("  broker %.1f s, tier-store %.1f s, guest %d MiB filled %.1f s, agent %.1f s%n", (t1 - t0) / 1e9,
                (t2 - t1) / 1e9, guestBytes >> 20, (t3 - t2) / 1e9, (System.nanoTime() - t3) / 1e9);
    }

    /**
     * Publishes an EvictCommand for {@code pages} of region 0 and waits for the broker's ack; the agent executes it
     * asynchronously (follow {@link AgentService#stats()}).
     */
    void evict(RoaringBitmap pages) {
        long n = ++commandSeq;
        EvictCommand c = EvictCommand.newBuilder().setVmId(VM).setRegion(0).setCycle(n)
                .setCommandId("bench-" + n).setPolicy("bench").setPages(Bitmaps.toBytes(pages))
                .setAgeHistogram(List.of()).setIssuedAt(Instant.now()).build();
        commands.send(new ProducerRecord<>(Topics.EVICTIONS, VM.getBytes(StandardCharsets.UTF_8), Codec.encode(c)))
                .block(Duration.ofSeconds(30));
    }

    /** Stops the tier-store service (it no longer ingests, acks or serves the RPC); the store stays on disk. */
    void stopTierStore() {
        tierStore.close();
    }

    GuestRegion region() {
        return memory.region(0);
    }

    AgentService agent() {
        return agent;
    }

    KafkaPageTier tier() {
        return agent.tier();
    }

    TierStoreService tierStore() {
        return tierStore;
    }

    /** The tier-store's counter {@code name} (0 once the service closed and removed its meters). */
    double tierCounter(String name) {
        return tierMeters.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * Closes in dependency order (do not rearrange): the command producer; the agent, whose close restores every
     * page still evicted (from its in-flight buffer or the tier-store RPC, so the tier-store must still be up); the
     * tier-store; the broker; the guest memory; the temp dir. Idempotent; a failing step does not skip the rest.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable c : new AutoCloseable[] {commands, agent, tierStore, kafka, memory}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("bench pipeline: closing " + c.getClass().getSimpleName() + " failed: " + e);
            }
        }
        deleteRecursively(dir);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("bench pipeline: cannot delete " + dir + ": " + e);
        }
    }
}
