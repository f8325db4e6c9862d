package io.coldtier.bus;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.coldtier.bus.Records.numbered;
import static io.coldtier.bus.Records.rec;
import static io.coldtier.bus.Records.text;
import static io.coldtier.bus.Records.topic;
import static org.assertj.core.api.Assertions.assertThat;

/** The consumer and producer bridges against a real in-process KRaft broker (one per class). */
@Tag("kafka")
@Timeout(120)
class ReactiveConsumerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;
    private static KafkaSettings settings;
    private static TopicAdmin admin;
    private static ReactiveProducer producer;

    @BeforeAll
    static void startBroker() {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start();
        System.out.printf("embedded KRaft broker: startup() %d ms, start() %d ms%n", kafka.startupTime().toMillis(),
                (System.nanoTime() - t0) / 1_000_000);
        settings = KafkaSettings.of(kafka.bootstrapServers(), "it");
        admin = new TopicAdmin(settings);
        producer = ReactiveProducer.create(settings, "producer");
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group) {
        try {
            return admin.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long committedTotal(String group) {
        return committed(group).values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }

    @Test
    void roundTrip_producedRecordsAreConsumed_andTheirAcksCommitted() {
        admin.ensureTopics(List.of(topic("rt", 3)));
        List<Long> offsets = new ArrayList<>();
        StepVerifier.create(producer.sendAll(numbered("rt", null, 30)))
                .assertNext(mds -> mds.forEach(md -> offsets.add(md.offset())))
                .verifyComplete();
        assertThat(offsets).hasSize(30);

        Set<String> expected = IntStream.range(0, 30).mapToObj(i -> "v" + i).collect(Collectors.toSet());
        try (ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "rt", "g-rt", List.of("rt"))) {
            StepVerifier.create(c.receive().doOnNext(ConsumedRecord::ack).map(r -> text(r.value())).take(30))
                    .recordWith(HashSet::new)
                    .expectNextCount(30)
                    .consumeRecordedWith(values -> assertThat(values).isEqualTo(expected))
                    .verifyComplete();
            Await.until("consumer stopped after cancel", WAIT, c::stopped);
        }
        assertThat(committedTotal("g-rt")).as("all 30 acked records committed").isEqualTo(30);
    }

    @Test
    void commitAfterAck_recordsFromTheFirstUnackedOffsetAreRedeliveredToTheSameGroup() {
        admin.ensureTopics(List.of(topic("ack", 1)));
        producer.sendAll(numbered("ack", 0, 10)).block(WAIT);
        List<ConsumedRecord> first = new ArrayList<>();
        try (ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "ack-1", "g-ack", List.of("ack"))) {
            StepVerifier.create(c.receive())
                    .recordWith(() -> first)
                    .expectNextCount(10)
                    .then(() -> first.stream().filter(r -> r.offset() < 5 || r.offset() == 6)
                            .forEach(ConsumedRecord::ack))
                    .then(c::close)
                    .verifyComplete();
        }
        assertThat(committed("g-ack").get(new TopicPartition("ack", 0)).offset())
                .as("0-4 and 6 acked: the contiguous prefix ends before 5").isEqualTo(5);

        try (ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "ack-2", "g-ack", List.of("ack"))) {
            StepVerifier.create(c.receive().map(ConsumedRecord::offset).take(5))
                    .expectNext(5L, 6L, 7L, 8L, 9L)
                    .verifyComplete();
        }
    }

    @Test
    void backpressure_slowSubscriberPausesTheConsumer_inFlightStaysBounded_thenFullSpeedResumes() {
        int bound = 5;
        int total = 50;
        admin.ensureTopics(List.of(topic("bp", 1)));
        producer.sendAll(numbered("bp", 0, total)).block(WAIT);
        List<ConsumedRecord> held = new CopyOnWriteArrayList<>();
        AtomicBoolean autoAck = new AtomicBoolean();
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicLong fullSpeedStart = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        var options = ReactiveConsumer.Options.defaults().withMaxInFlight(bound);
        try (ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "bp", "g-bp", List.of("bp"), options)) {
            sampler.scheduleAtFixedRate(() -> maxInFlight.accumulateAndGet(c.inFlight(), Math::max), 0, 2,
                    TimeUnit.MILLISECONDS);
            Flux<ConsumedRecord> flux = c.receive().doOnNext(r -> {
                if (autoAck.get()) {
                    r.ack();
                }
            });
            var steps = StepVerifier.create(flux, 0)
                    .expectSubscription()
                    .expectNoEvent(Duration.ofMillis(500))
                    .then(() -> assertThat(c.paused()).as("no demand: paused").isTrue());
            for (int i = 0; i < bound; i++) {   // a slow subscriber: one record at a time, never acking
                steps = steps.thenRequest(1).consumeNextWith(held::add).thenAwait(Duration.ofMillis(20));
            }
            steps.thenRequest(1)
                    .expectNoEvent(Duration.ofMillis(700))
                    .then(() -> {
                        assertThat(c.paused()).as("demand 1 but %d unacked: paused", bound).isTrue();
                        assertThat(c.inFlight()).isEqualTo(bound);
                    })
                    .then(() -> held.forEach(ConsumedRecord::ack))
                    .consumeNextWith(ConsumedRecord::ack)
                    .then(() -> {
                        autoAck.set(true);
                        fullSpeedStart.set(System.nanoTime());
                    })
                    .thenRequest(Long.MAX_VALUE)
                    .expectNextCount(total - bound - 1)
                    .then(c::close)
                    .verifyComplete();
            long fullSpeedMs = (System.nanoTime() - fullSpeedStart.get()) / 1_000_000;
            System.out.printf("backpressure: %d pauses, max in-flight %d, last %d records in %d ms%n",
                    c.pauseCount(), maxInFlight.get(), total - bound - 1, fullSpeedMs);
            assertThat(c.pauseCount()).isPositive();
            assertThat(maxInFlight.get()).isLessThanOrEqualTo(bound);
            assertThat(fullSpeedMs).as("full speed after resume").isLessThan(5_000);
        } finally {
            sampler.shutdownNow();
        }
        assertThat(committedTotal("g-bp")).isEqualTo(total);
    }

    @Test
    void close_isIdempotent_completesTheFlux_andReturnsPromptlyWhileBlockedInPoll() {
        admin.ensureTopics(List.of(topic("idle", 1)));
        var options = ReactiveConsumer.Options.defaults().withPollTimeout(Duration.ofSeconds(30));
        ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "idle", "g-idle", List.of("idle"), options);
        AtomicLong closeMs = new AtomicLong();
        StepVerifier.create(c.receive())
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(2))   // joined the group, now blocked in poll(30 s)
                .then(() -> {
                    long t0 = System.nanoTime();
                    c.close();
                    closeMs.set((System.nanoTime() - t0) / 1_000_000);
                })
                .expectComplete()
                .verify(WAIT);
        c.close();
        c.close();
        assertThat(c.stopped()).isTrue();
        assertThat(closeMs.get()).as("close while in a 30 s poll").isLessThan(5_000);
        StepVerifier.create(c.receive()).verifyError(IllegalStateException.class);
    }

    @Test
    void replay_readsEveryPartitionFromTheBeginningToTheEndSeenAtStart_thenCompletes() throws Exception {
        admin.ensureTopics(List.of(topic("rp", 3)));
        producer.sendAll(numbered("rp", null, 30)).block(WAIT);
        CountDownLatch started = new CountDownLatch(1);
        try (ReactiveConsumer c = ReactiveConsumer.replay(settings, "rp-1", List.of("rp"))) {
            StepVerifier verification = StepVerifier.create(c.receive()
                            .doOnNext(r -> started.countDown())
                            .map(r -> text(r.value())))
                    .recordWith(HashSet::new)
                    .expectNextCount(30)
                    .consumeRecordedWith(v -> assertThat(v).doesNotContain("late").hasSize(30))
                    .expectComplete()
                    .verifyLater();
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            producer.send(rec("rp", 0, null, "late")).block(WAIT);   // after the replay took its snapshot
            verification.verify(WAIT);
            Await.until("replay consumer stopped by itself", WAIT, c::stopped);
        }
        try (ReactiveConsumer again = ReactiveConsumer.replay(settings, "rp-2", List.of("rp"))) {
            StepVerifier.create(again.receive()).expectNextCount(31).verifyComplete();
        }
    }

    @Test
    void replay_ofAnEmptyTopic_completesAtOnce() {
        admin.ensureTopics(List.of(topic("empty", 2)));
        try (ReactiveConsumer c = ReactiveConsumer.replay(settings, "empty", List.of("empty"))) {
            StepVerifier.create(c.receive()).expectComplete().verify(WAIT);
        }
    }

    @Test
    void deadLetters_undecodableRecordGoesToTheDlqWithItsReason_andConsumptionContinues() {
        admin.ensureTopics(List.of(topic("dl-in", 1), topic("dl-in.dlq", 1)));
        producer.sendAll(List.of(rec("dl-in", 0, null, "1"), rec("dl-in", 0, null, "2"),
                rec("dl-in", 0, "bad-key", "oops"), rec("dl-in", 0, null, "4"), rec("dl-in", 0, null, "5")))
                .block(WAIT);
        DeadLetters dlq = new DeadLetters(producer, "dl-in.dlq",
                (rec, reason) -> Records.bytes(rec.source() + ": " + reason));

        try (ReactiveConsumer c = ReactiveConsumer.subscribe(settings, "dl", "g-dl", List.of("dl-in"))) {
            Flux<Integer> decoded = c.receive().concatMap(r -> {
                int value;
                try {
                    value = Integer.parseInt(text(r.value()));
                } catch (NumberFormatException e) {
                    return dlq.sendAndAck(r, "not a number: " + text(r.value())).then(Mono.empty());
                }
                r.ack();
                return Mono.just(value);
            });
            StepVerifier.create(decoded)
                    .expectNext(1, 2, 4, 5)
                    .then(c::close)
                    .verifyComplete();
        }
        assertThat(committedTotal("g-dl")).as("the dead-lettered record was acked too").isEqualTo(5);

        try (ReactiveConsumer c = ReactiveConsumer.replay(settings, "dl-check", List.of("dl-in.dlq"))) {
            StepVerifier.create(c.receive())
                    .assertNext(r -> {
                        assertThat(r.header(DeadLetters.REASON_HEADER)).isEqualTo("not a number: oops");
                        assertThat(r.header(DeadLetters.SOURCE_HEADER)).isEqualTo("dl-in-0@2");
                        assertThat(text(r.key())).isEqualTo("bad-key");
                        assertThat(text(r.value())).isEqualTo("dl-in-0@2: not a number: oops");
                    })
                    .verifyComplete();
        }
    }
}
