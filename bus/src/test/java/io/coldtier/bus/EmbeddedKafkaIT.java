package io.coldtier.bus;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.coldtier.bus.Records.rec;
import static io.coldtier.bus.Records.text;
import static io.coldtier.bus.Records.topic;
import static org.assertj.core.api.Assertions.assertThat;

/** The embedded broker's lifecycle (stop, restart, data dirs) and topic administration. */
@Tag("kafka")
@Timeout(180)
class EmbeddedKafkaIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafka kafka;
    private static KafkaSettings settings;

    @BeforeAll
    static void startBroker() {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start();
        System.out.printf("embedded KRaft broker: startup() %d ms, start() %d ms%n", kafka.startupTime().toMillis(),
                (System.nanoTime() - t0) / 1_000_000);
        settings = KafkaSettings.of(kafka.bootstrapServers(), "lifecycle");
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void ensureTopics_isIdempotent_waitsUntilVisible_andDeleteRemovesThem() {
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            admin.ensureTopics(List.of(topic("adm-a", 3), topic("adm-b", 1)));
            admin.ensureTopics(List.of(topic("adm-a", 3), topic("adm-c", 2)));
            assertThat(admin.listTopics()).contains("adm-a", "adm-b", "adm-c");
            assertThat(admin.endOffsets("adm-a")).hasSize(3).allSatisfy((tp, end) -> assertThat(end).isZero());

            try (ReactiveProducer p = ReactiveProducer.create(settings, "adm")) {
                p.sendAll(Records.numbered("adm-c", 1, 4)).block(WAIT);
            }
            assertThat(admin.endOffsets("adm-c").values()).containsExactly(0L, 4L);

            admin.deleteTopics(List.of("adm-b", "no-such-topic"));
            Await.until("adm-b deleted", WAIT, () -> !admin.listTopics().contains("adm-b"));
        }
    }

    @Test
    void brokerOutage_sendFailsWithinTheDeliveryTimeout_andSendAndConsumeWorkAfterRestart() throws Exception {
        KafkaSettings fast = settings.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
        try (TopicAdmin admin = new TopicAdmin(fast)) {
            admin.ensureTopics(List.of(topic("outage", 1)));
        }
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (ReactiveProducer p = ReactiveProducer.create(fast, "outage");
             ReactiveConsumer c = ReactiveConsumer.subscribe(fast, "outage", "g-outage", List.of("outage"))) {
            Disposable sub = c.receive().subscribe(r -> {
                received.add(text(r.value()));
                r.ack();
            });
            p.send(rec("outage", 0, null, "before")).block(WAIT);
            assertThat(received.poll(60, TimeUnit.SECONDS)).isEqualTo("before");

            kafka.stop();
            long t0 = System.nanoTime();
            StepVerifier.create(p.send(rec("outage", 0, null, "during")))
                    .expectError(TimeoutException.class)
                    .verify(Duration.ofSeconds(30));
            long failMs = (System.nanoTime() - t0) / 1_000_000;

            long r0 = System.nanoTime();
            kafka.restart();
            System.out.printf("outage: send failed after %d ms; restart took %d ms%n", failMs,
                    (System.nanoTime() - r0) / 1_000_000);
            assertThat(failMs).as("bounded by the 5 s delivery timeout").isBetween(3_000L, 12_000L);

            p.send(rec("outage", 0, null, "after")).block(WAIT);
            assertThat(received.poll(60, TimeUnit.SECONDS)).as("consumed after the restart").isEqualTo("after");
            assertThat(received).isEmpty();
            sub.dispose();
        }
    }

    @Test
    void startWithADataDir_keepsDataAndClusterIdAcrossBrokers_andCloseDeletesNothing(@TempDir Path dir)
            throws Exception {
        Path data = dir.resolve("kraft");
        String clusterId;
        try (EmbeddedKafka first = EmbeddedKafka.start(data)) {
            clusterId = first.clusterId();
            KafkaSettings s = KafkaSettings.of(first.bootstrapServers(), "dir");
            try (TopicAdmin admin = new TopicAdmin(s); ReactiveProducer p = ReactiveProducer.create(s, "dir")) {
                admin.ensureTopics(List.of(topic("kept", 1)));
                p.send(rec("kept", 0, null, "persisted")).block(WAIT);
            }
        }
        assertThat(data.resolve("meta.properties")).exists();

        try (EmbeddedKafka second = EmbeddedKafka.start(data)) {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            KafkaSettings s = KafkaSettings.of(second.bootstrapServers(), "dir2");
            try (ReactiveConsumer c = ReactiveConsumer.replay(s, "dir", List.of("kept"))) {
                StepVerifier.create(c.receive().map(r -> text(r.value())))
                        .expectNext("persisted")
                        .expectComplete()
                        .verify(WAIT);
            }
        }
        assertThat(Files.exists(data)).isTrue();
    }

    @Test
    void startWithoutADataDir_deletesItsTempDirOnClose_andCloseIsIdempotent() {
        EmbeddedKafka k = EmbeddedKafka.start();
        Path dir = k.dataDir();
        assertThat(dir).isDirectory();
        k.close();
        k.close();
        assertThat(k.running()).isFalse();
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void startWithFixedListeners_bindsThePortsAndAdvertisesTheGivenHost(@TempDir Path dir) throws Exception {
        int[] ports = io.coldtier.bus.internal.FreePorts.pick(2);
        EmbeddedKafka.Listeners listeners = new EmbeddedKafka.Listeners("127.0.0.1", ports[0], ports[1], "127.0.0.1",
                ports[0]);
        try (EmbeddedKafka k = EmbeddedKafka.start(dir.resolve("fixed"), listeners)) {
            assertThat(k.bootstrapServers()).isEqualTo("127.0.0.1:" + ports[0]);
            KafkaSettings s = KafkaSettings.of(k.bootstrapServers(), "fixed");
            try (TopicAdmin admin = new TopicAdmin(s); ReactiveProducer p = ReactiveProducer.create(s, "fixed")) {
                admin.ensureTopics(List.of(topic("fixed", 1)));
                p.send(rec("fixed", 0, null, "via 127.0.0.1")).block(WAIT);
                // Clients are sent to the advertised address: the metadata names it.
                assertThat(admin.admin().describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .singleElement().satisfies(n -> {
                            assertThat(n.host()).isEqualTo("127.0.0.1");
                            assertThat(n.port()).isEqualTo(ports[0]);
                        });
            }
        }
    }
}
