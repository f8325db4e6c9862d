package io.coldtier.bus;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer bridge against kafka-clients' {@link MockConsumer}: no broker, deterministic time. */
@Tag("unit")
@Timeout(30)
class ReactiveConsumerTest {
    private static final String TOPIC = "t";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock();
    private final Mock mock = new Mock();
    private ReactiveConsumer consumer;

    /** MockConsumer returns from poll at once; sleep a little when empty so the loop does not spin. */
    static final class Mock extends MockConsumer<byte[], byte[]> {
        Mock() {
            super("earliest");
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            ConsumerRecords<byte[], byte[]> r = super.poll(timeout);
            if (r.isEmpty()) {
                Await.sleep(Math.min(5, timeout.toMillis()));
            }
            return r;
        }

        private final Map<TopicPartition, OffsetAndMetadata> commits = new ConcurrentHashMap<>();

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            commits.putAll(offsets);
        }

        /** Last commit for {@code tp}, readable after close (MockConsumer's own committed() is not). */
        OffsetAndMetadata committedOffset(TopicPartition tp) {
            return commits.get(tp);
        }
    }

    @AfterEach
    void closeConsumer() {
        if (consumer != null) {
            consumer.close();
        }
    }

    private ReactiveConsumer subscribed(ReactiveConsumer.Options options) {
        mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer = ReactiveConsumer.create("mock", mock, List.of(TOPIC), false, true, options);
        return consumer;
    }

    private ReactiveConsumer.Options options() {
        return ReactiveConsumer.Options.defaults().withClock(clock).withCommitInterval(Duration.ofSeconds(10))
                .withPollTimeout(Duration.ofMillis(20));
    }

    /** Assigns {@code tps} at the next poll and adds {@code n} records to each. */
    private void assignWithRecords(List<TopicPartition> tps, int n) {
        mock.schedulePollTask(() -> {
            mock.rebalance(tps);
            for (TopicPartition tp : tps) {
                for (int i = 0; i < n; i++) {
                    mock.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), i, null,
                            ("v" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
        });
    }

    @Test
    void acks_areCommittedOnlyWhenTheInjectedClockPassesTheCommitInterval() {
        ReactiveConsumer c = subscribed(options());
        assignWithRecords(List.of(P0), 3);
        List<ConsumedRecord> got = new ArrayList<>();
        StepVerifier.create(c.receive())
                .recordWith(() -> got).expectNextCount(3)
                .then(() -> got.forEach(ConsumedRecord::ack))
                .then(() -> Await.sleep(200))
                .then(() -> assertThat(mock.committedOffset(P0)).as("interval not elapsed").isNull())
                .then(() -> clock.advance(Duration.ofSeconds(10)))
                .then(() -> Await.until("commit", WAIT, () -> mock.committedOffset(P0) != null))
                .then(c::close)
                .verifyComplete();
        assertThat(mock.committedOffset(P0).offset()).isEqualTo(3);
        assertThat(c.commitCount()).isEqualTo(1);
    }

    @Test
    void outOfOrderAcks_closeCommitsOnlyTheContiguousPrefix() {
        ReactiveConsumer c = subscribed(options());
        assignWithRecords(List.of(P0), 5);
        StepVerifier.create(c.receive())
                .consumeNextWith(ConsumedRecord::ack)            // 0
                .expectNextCount(1)                              // 1: never acked
                .consumeNextWith(ConsumedRecord::ack)            // 2
                .consumeNextWith(ConsumedRecord::ack)            // 3
                .expectNextCount(1)
                .then(c::close)
                .verifyComplete();
        assertThat(mock.committedOffset(P0).offset()).isEqualTo(1);
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void revokedPartition_isCommittedAtRevocationWithoutWaitingForTheInterval() {
        ReactiveConsumer c = subscribed(options());
        assignWithRecords(List.of(P0, P1), 2);
        List<ConsumedRecord> got = new ArrayList<>();
        StepVerifier.create(c.receive())
                .recordWith(() -> got).expectNextCount(4)
                .then(() -> got.forEach(ConsumedRecord::ack))
                .then(() -> Await.until("4 records acked", WAIT, () -> c.inFlight() == 0))
                .then(() -> mock.schedulePollTask(() -> mock.rebalance(List.of(P1))))
                .then(() -> Await.until("revocation commit", WAIT, () -> mock.committedOffset(P0) != null))
                .then(c::close)
                .verifyComplete();
        assertThat(mock.committedOffset(P0).offset()).isEqualTo(2);
    }

    @Test
    void maxInFlightUnackedRecords_pauseTheConsumer_untilAcked() {
        ReactiveConsumer c = subscribed(options().withMaxInFlight(2));
        assignWithRecords(List.of(P0), 5);
        List<ConsumedRecord> held = new ArrayList<>();
        StepVerifier.create(c.receive())
                .recordWith(() -> held).expectNextCount(2)
                .expectNoEvent(Duration.ofMillis(300))
                .then(() -> assertThat(c.paused()).isTrue())
                .then(() -> assertThat(c.inFlight()).isEqualTo(2))
                .then(() -> List.copyOf(held).forEach(ConsumedRecord::ack))
                .expectNextCount(2)
                .then(c::close)
                .verifyComplete();
        assertThat(c.pauseCount()).isPositive();
    }

    @Test
    void zeroDemand_pausesAllPartitions_andDemandResumesThem() {
        ReactiveConsumer c = subscribed(options());
        assignWithRecords(List.of(P0, P1), 1);
        StepVerifier.create(c.receive(), 0)
                .expectSubscription()
                .then(() -> Await.until("paused", WAIT, () -> c.paused() && mock.paused().size() == 2))
                .thenRequest(2)
                .expectNextCount(2)
                .then(c::close)
                .verifyComplete();
    }

    @Test
    void secondSubscriber_isRejected() {
        ReactiveConsumer c = subscribed(options());
        StepVerifier.create(c.receive().take(Duration.ofMillis(100))).verifyComplete();
        StepVerifier.create(c.receive()).verifyError(IllegalStateException.class);
    }

    @Test
    void closeBeforeSubscribe_closesTheConsumer_andLaterSubscribersFail() {
        ReactiveConsumer c = subscribed(options());
        c.close();
        c.close();
        assertThat(mock.closed()).isTrue();
        StepVerifier.create(c.receive()).verifyError(IllegalStateException.class);
    }

    @Test
    void cancellingTheSubscription_stopsTheLoopAndCommitsAckedOffsets() {
        ReactiveConsumer c = subscribed(options());
        assignWithRecords(List.of(P0), 3);
        StepVerifier.create(c.receive().doOnNext(ConsumedRecord::ack).take(2)).expectNextCount(2).verifyComplete();
        Await.until("loop stopped", WAIT, c::stopped);
        assertThat(mock.committedOffset(P0).offset()).isEqualTo(2);
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void pollFailure_errorsTheFlux_andClosesTheConsumer() {
        ReactiveConsumer c = subscribed(options());
        mock.setPollException(new KafkaException("boom"));
        StepVerifier.create(c.receive()).expectErrorMessage("boom").verify(WAIT);
        Await.until("closed", WAIT, mock::closed);
    }

    @Test
    void replayWithStopAtEnd_readsFromTheBeginningToTheEndSeenAtStart_thenCompletes() {
        mock.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        mock.updateBeginningOffsets(Map.of(P0, 0L));
        mock.updateEndOffsets(Map.of(P0, 3L));
        mock.schedulePollTask(() -> {
            for (int i = 0; i < 5; i++) {   // 3 and 4 arrive after the start: not part of the replay
                mock.addRecord(new ConsumerRecord<>(TOPIC, 0, i, null, new byte[] {(byte) i}));
            }
        });
        consumer = ReactiveConsumer.create("replay", mock, List.of(TOPIC), true, false,
                options().withStopAtEnd(true));
        StepVerifier.create(consumer.receive().map(ConsumedRecord::offset))
                .expectNext(0L, 1L, 2L)
                .verifyComplete();
        Await.until("loop stopped by itself", WAIT, consumer::stopped);
    }
}
