package io.coldtier.bus;

import io.coldtier.bus.internal.FreePorts;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * An in-process Kafka 4.4 broker in KRaft mode: one {@link KafkaRaftServer} that is broker and
 * controller at once (node.id 1, static quorum), for the demo and the integration tests.
 *
 * <p>It follows the recipe in stack-notes.md Q1 (a): free ports, {@link Formatter} with
 * {@link MetadataVersion#LATEST_PRODUCTION}, replication factor 1 everywhere, and
 * {@code log.cleaner.dedupe.buffer.size=2097152} because the 128 MiB default is allocated on the
 * heap. Topics are never auto-created: create them with {@link TopicAdmin#ensureTopics}.
 *
 * <p>{@link #stop()} takes the broker down and keeps its data; {@link #restart()} brings it back on
 * the same ports, data directory and cluster id, so clients reconnect by themselves. Limitation:
 * the ports are picked by binding port 0 and releasing it, so another process could take one in
 * between (at start, or while the broker is stopped); {@code restart()} then fails with the bind
 * error.
 *
 * <p>Start-up, measured on 2 cores under Failsafe with WARN logging ({@link #startupTime()}): the
 * first broker in a fresh JVM 1.5-3.4 s ({@code start()} incl. formatting 1.7-3.6 s); every later
 * start or {@code restart()} in the same JVM 0.13-0.55 s, the JIT being warm.
 *
 * <p>{@link #start(Path, Listeners)} binds fixed addresses and advertises a given host instead, for
 * running the broker as a service ({@code coldtier broker}, the container image).
 *
 * <p>Logging: the broker logs ~3,000 lines per start at INFO. This class does not configure
 * logging (a library must not); applications using slf4j-simple set
 * {@code org.slf4j.simpleLogger.log.org.apache.kafka=warn} and {@code ...log.kafka=warn}.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Listeners listeners;
    private final String clusterId;
    private KafkaRaftServer server;
    private Duration startupTime = Duration.ZERO;
    private boolean closed;

    /**
     * Where the broker listens and what it tells clients.
     *
     * @param bindHost       address of the PLAINTEXT (client) listener, e.g. {@code 0.0.0.0}
     * @param port           its port
     * @param controllerPort port of the KRaft CONTROLLER listener, always on loopback: the only voter is this process
     * @param advertisedHost host clients are told to connect to (must resolve for them)
     * @param advertisedPort port clients are told, usually {@code port}
     */
    public record Listeners(String bindHost, int port, int controllerPort, String advertisedHost, int advertisedPort) {
        public Listeners {
            if (bindHost == null || bindHost.isBlank() || advertisedHost == null || advertisedHost.isBlank()) {
                throw new IllegalArgumentException("bind and advertised host are required");
            }
            for (int p : new int[] {port, controllerPort, advertisedPort}) {
                if (p < 1 || p > 65535) {
                    throw new IllegalArgumentException("port out of range 1-65535: " + p);
                }
            }
            if (port == controllerPort) {
                throw new IllegalArgumentException("client and controller port are both " + port);
            }
        }

        /** Two free loopback ports, advertised as {@code localhost}: what {@link #start()} uses. */
        static Listeners ephemeralLoopback() {
            int[] ports = FreePorts.pick(2);
            return new Listeners("localhost", ports[0], ports[1], "localhost", ports[0]);
        }
    }

    private EmbeddedKafka(Path dataDir, boolean ownsDataDir, String clusterId, Listeners listeners) {
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.clusterId = clusterId;
        this.listeners = listeners;
    }

    /** Starts a broker in a fresh temporary directory that {@link #close()} deletes. */
    public static EmbeddedKafka start() {
        try {
            return start(Files.createTempDirectory("coldtier-kraft-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for the embedded broker", e);
        }
    }

    /**
     * Starts a broker whose logs live in {@code dataDir} (created if missing, never deleted by this
     * class). A directory formatted by an earlier run is reused with its cluster id and data.
     */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, false, Listeners.ephemeralLoopback());
    }

    /**
     * Starts a broker on fixed addresses ({@code listeners}) whose logs live in {@code dataDir}, as
     * {@link #start(Path)} does; a bind failure is an {@link IllegalStateException} naming the ports.
     */
    public static EmbeddedKafka start(Path dataDir, Listeners listeners) {
        return start(dataDir, false, listeners);
    }

    private static EmbeddedKafka start(Path dataDir, boolean owns) {
        return start(dataDir, owns, Listeners.ephemeralLoopback());
    }

    private static EmbeddedKafka start(Path dataDir, boolean owns, Listeners listeners) {
        try {
            Files.createDirectories(dataDir);
            String existing = readClusterId(dataDir);
            EmbeddedKafka k = new EmbeddedKafka(dataDir.toAbsolutePath(), owns,
                    existing != null ? existing : Uuid.randomUuid().toString(), listeners);
            if (existing == null) {
                k.format();
            }
            k.startServer();
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dataDir, e);
        }
    }

    /** Advertised {@code host:port} of the PLAINTEXT listener ({@code localhost:<port>} by default); stable across {@link #restart()}. */
    public String bootstrapServers() {
        return listeners.advertisedHost() + ":" + listeners.advertisedPort();
    }

    public Listeners listeners() {
        return listeners;
    }

    public String clusterId() {
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How long the last start or restart took, from creating the server to {@code startup()} returning. */
    public synchronized Duration startupTime() {
        return startupTime;
    }

    public synchronized boolean running() {
        return server != null;
    }

    /** Shuts the broker down and waits for it; the data directory is kept. Idempotent. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        KafkaRaftServer s = server;
        server = null;
        s.shutdown();
        s.awaitShutdown();
    }

    /** Starts the broker again on the same ports with the same data and cluster id. No-op if running. */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("embedded broker is closed");
        }
        if (server == null) {
            startServer();
        }
    }

    /** Stops the broker and deletes the data directory if {@link #start()} created it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    private void format() {
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(dataDir.toString()))
                    .setMetadataLogDirectory(dataDir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("formatting " + dataDir + " failed", e);
        }
    }

    private void startServer() {
        long t0 = System.nanoTime();
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(config(), false), Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            s.shutdown();
            s.awaitShutdown();
            throw new IllegalStateException("embedded broker failed to start on " + listeners.bindHost() + ":"
                    + listeners.port() + " (controller port " + listeners.controllerPort() + ") in " + dataDir, e);
        }
        server = s;
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("embedded KRaft broker up at {} in {} ms (cluster {}, data {})", bootstrapServers(),
                startupTime.toMillis(), clusterId, dataDir);
    }

    private Properties config() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        int controllerPort = listeners.controllerPort();
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + listeners.bindHost() + ":" + listeners.port()
                + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + listeners.advertisedHost() + ":" + listeners.advertisedPort());
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        // Replication factor 1 for every internal topic: there is one broker.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The 128 MiB default dedupe buffer is allocated on the heap (stack-notes Q1).
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        // Compaction is checked every 500 ms instead of 15 s so compaction can be tested.
        p.put("log.cleaner.backoff.ms", "500");
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "false");
        // A 2-core machine: fewer threads than the defaults (3 network, 8 io, 10 background).
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        return p;
    }

    private static String readClusterId(Path dir) throws IOException {
        Path meta = dir.resolve("meta.properties");
        if (!Files.exists(meta)) {
            return null;
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(meta)) {
            p.load(in);
        }
        return p.getProperty("cluster.id");
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}", f, e);
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }
}
