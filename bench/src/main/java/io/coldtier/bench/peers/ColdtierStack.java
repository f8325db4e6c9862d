package io.coldtier.bench.peers;

import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.schemas.Topics;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * coldtier's embedded stack for the coldtier row, the same parts `coldtier demo` runs: a KRaft broker, the tier-store
 * (RocksDB), the evictor with the given policy and the agent host listening for hand-overs. It owns all of them and
 * closes them in reverse order: the agent (which forgets the exited guest), the evictor, the tier-store, the broker.
 */
final class ColdtierStack implements AutoCloseable {
    private static final int PARTITIONS = 1;

    private final Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedKafka kafka;
    private TierStoreService tierStore;
    private EvictorService evictor;
    private AgentHost host;
    private boolean closed;

    private ColdtierStack(Path dir) {
        this.dir = dir;
        this.kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    static ColdtierStack start(Path dir, String policy, Duration interval) {
        ColdtierStack s = new ColdtierStack(dir);
        try {
            String bootstrap = s.kafka.bootstrapServers();
            try (TopicAdmin admin = new TopicAdmin(KafkaSettings.of(bootstrap, "coldtier-peers-admin"))) {
                admin.ensureTopics(Topics.newTopics(PARTITIONS, (short) 1));
            }
            InetAddress loopback = InetAddress.getLoopbackAddress();
            s.tierStore = TierStoreService.start(TierStoreConfig.of(bootstrap, dir.resolve("rocksdb"),
                    new InetSocketAddress(loopback, 0), PARTITIONS).withGroupId("coldtier-peers-tier-store"), s.registry);
            s.evictor = EvictorService.start(new EvictorConfig(bootstrap, "coldtier-peers-evictor",
                    PolicyConfig.of(policy), PARTITIONS), s.registry);
            s.host = AgentHost.start(AgentHostConfig.of(s.socket(), KafkaSettings.of(bootstrap, "coldtier-peers-agent"),
                    new InetSocketAddress(loopback, s.tierStore.rpcPort()), PARTITIONS).withInterval(interval));
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    Path socket() {
        return dir.resolve("agent.sock");
    }

    AgentHost host() {
        return host;
    }

    /** Content bytes the tier-store wrote to RocksDB (its coldtier.tierstore.bytes.stored counter). */
    long bytesStored() {
        Counter c = registry.find("coldtier.tierstore.bytes.stored").counter();
        return c == null ? 0 : Math.round(c.count());
    }

    /** Bytes on disk under RocksDB's directory and under the broker's log directory now. */
    long rocksDbDiskBytes() {
        return du(dir.resolve("rocksdb"));
    }

    long kafkaDiskBytes() {
        return du(dir.resolve("kafka"));
    }

    private static long du(Path p) {
        if (!Files.exists(p)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // deleted by a compaction meanwhile
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (AutoCloseable c : new AutoCloseable[] {host, evictor, tierStore, kafka}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing the coldtier stack: " + e.getMessage(), e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
