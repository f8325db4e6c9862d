package io.coldtier.cli;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.EmbeddedKafka.Listeners;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.cli.ops.Logfmt;
import io.coldtier.cli.ops.MetricsEndpoint;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code coldtier broker}: a single-node Kafka 4.4 broker (KRaft, broker and controller in one process) for a
 * deployment, until SIGTERM/SIGINT. It is the {@link EmbeddedKafka} the tests use, bound to fixed addresses, so the
 * container image needs no Kafka distribution: only the jars Maven already resolved.
 */
@Command(name = "broker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a single-node Kafka broker (KRaft: broker and controller in this process, replication factor 1)"
                    + " for a small coldtier cluster or the container stack. The data directory is formatted on"
                    + " first start and reused afterwards (same cluster id, same topics). Topics are not"
                    + " auto-created: the coldtier services create theirs. Runs until SIGTERM/SIGINT.",
        },
        subcommands = BrokerCommand.Ping.class,
        footer = {
            "%nGET /health is 200 while the broker runs, GET /metrics serves JVM meters (--metrics-port).",
            "Exit codes: 1 start-up failure (e.g. port in use), 2 bad flags; stopped by SIGTERM the JVM exits"
                    + " with 143 after the shutdown hook has logged \"broker stopped\".",
            "Example: coldtier broker --listen 0.0.0.0:9092 --advertise kafka-1.example:9092"
                    + " --data-dir /var/lib/coldtier/broker",
        })
public final class BrokerCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(BrokerCommand.class.getName());

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:9092",
            description = "Client (PLAINTEXT) listener; default ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "Address clients are told to use; must resolve for them. Default localhost:<listen port>.")
    String advertise;

    @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "9093",
            description = "KRaft controller listener, on loopback only; default ${DEFAULT-VALUE}.")
    int controllerPort;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./broker-data",
            description = "Log and metadata directory, created and formatted if new; default ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9404",
            description = "Port of GET /health and GET /metrics on 0.0.0.0 (0 = ephemeral); default ${DEFAULT-VALUE}.")
    int metricsPort;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "error, warn, info, debug or trace (Kafka's own loggers stay at WARN).")
    String logLevel;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile EmbeddedKafka broker;
    private volatile MetricsEndpoint metrics;

    @Override
    public Integer call() throws Exception {
        Listeners listeners = listeners();
        Logfmt.install(level(logLevel));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("broker-shutdown").unstarted(this::stop));
        long t0 = System.nanoTime();
        try {
            broker = EmbeddedKafka.start(dataDir, listeners);
            metrics = new MetricsEndpoint("0.0.0.0", metricsPort, () -> broker != null && broker.running());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "broker failed to start", e);
            stop();
            return 1;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info(() -> "broker started: listen=" + listeners.bindHost() + ":" + listeners.port() + " advertise="
                + broker.bootstrapServers() + " controller=localhost:" + listeners.controllerPort() + " data.dir="
                + broker.dataDir() + " cluster.id=" + broker.clusterId() + " startup.ms=" + ms + " metrics=:"
                + metrics.port());
        stopped.await();
        return 0;
    }

    /** Stops the metrics endpoint, then the broker (which flushes its logs); idempotent. */
    void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            MetricsEndpoint m = metrics;
            if (m != null) {
                m.close();
            }
            EmbeddedKafka b = broker;
            if (b != null) {
                b.stop();
                LOG.info("broker stopped");
            }
        } finally {
            stopped.countDown();
        }
    }

    private Listeners listeners() {
        HostPort l = HostPort.parse(spec, "--listen", listen);
        HostPort a = advertise == null ? new HostPort("localhost", l.port()) : HostPort.parse(spec, "--advertise", advertise);
        try {
            return new Listeners(l.host(), l.port(), controllerPort, a.host(), a.port());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid broker addresses: " + e.getMessage());
        }
    }

    private Level level(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new ParameterException(spec.commandLine(),
                    "invalid --log-level '" + name + "': expected error, warn, info, debug or trace");
        };
    }

    record HostPort(String host, int port) {
        static HostPort parse(CommandSpec spec, String flag, String s) {
            int colon = s.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException("no port");
                }
                return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "invalid " + flag + " '" + s + "': expected host:port");
            }
        }
    }

    /**
     * {@code coldtier broker ping}: one produce + consume round trip against a running cluster, for smoke tests and
     * health scripts. Writes one record to {@code coldtier.smoke} (created with 1 partition if missing) and reads it
     * back by offset without a consumer group.
     */
    @Command(name = "ping", mixinStandardHelpOptions = true,
            description = "Produce one record to coldtier.smoke and consume it back; exit 0 and print the round trip"
                    + " time, or exit 1 with the error.")
    static final class Ping implements Callable<Integer> {
        static final String TOPIC = "coldtier.smoke";

        @Spec
        CommandSpec spec;

        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = "localhost:9092",
                description = "Kafka cluster; default ${DEFAULT-VALUE}.")
        String bootstrapServers;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
                description = "Give up after this long; default ${DEFAULT-VALUE}.")
        int timeoutSeconds;

        @Override
        public Integer call() {
            Logfmt.install(Level.WARNING);
            Duration timeout = Duration.ofSeconds(timeoutSeconds);
            KafkaSettings kafka = KafkaSettings.of(bootstrapServers, "ping").withTimeouts(timeout, Duration.ofSeconds(5));
            long t0 = System.nanoTime();
            try (TopicAdmin admin = new TopicAdmin(kafka, timeout)) {
                admin.ensureTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)));
                long tTopic = System.nanoTime();
                byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
                RecordMetadata md;
                try (var producer = new KafkaProducer<byte[], byte[]>(kafka.producerProps("producer"))) {
                    md = producer.send(new ProducerRecord<>(TOPIC, token)).get(timeoutSeconds, TimeUnit.SECONDS);
                }
                TopicPartition tp = new TopicPartition(TOPIC, md.partition());
                try (var consumer = new KafkaConsumer<byte[], byte[]>(kafka.consumerProps(null, "consumer"))) {
                    consumer.assign(List.of(tp));
                    consumer.seek(tp, md.offset());
                    long deadline = System.nanoTime() + timeout.toNanos();
                    while (System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (java.util.Arrays.equals(r.value(), token)) {
                                spec.commandLine().getOut().printf(
                                        "ping ok: %s topic=%s offset=%d topic.ms=%d round.trip.ms=%d%n",
                                        bootstrapServers, TOPIC, md.offset(), (tTopic - t0) / 1_000_000,
                                        (System.nanoTime() - tTopic) / 1_000_000);
                                spec.commandLine().getOut().flush();
                                return 0;
                            }
                        }
                    }
                }
                spec.commandLine().getErr().println("ping failed: record not consumed back within " + timeout);
            } catch (Exception e) {
                spec.commandLine().getErr().println("ping failed: " + bootstrapServers + ": " + e);
            }
            return 1;
        }
    }
}
