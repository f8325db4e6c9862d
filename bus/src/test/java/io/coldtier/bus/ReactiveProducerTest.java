package io.coldtier.bus;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer bridge against kafka-clients' {@link MockProducer} (acks completed by hand). */
@Tag("unit")
@Timeout(30)
class ReactiveProducerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ReactiveProducer producer = new ReactiveProducer("unit", mock);

    @AfterEach
    void close() {
        producer.close(Duration.ofSeconds(1));
    }

    private static ProducerRecord<byte[], byte[]> rec(String v) {
        return new ProducerRecord<>("t", 0, null, v.getBytes());
    }

    private void awaitSent(int n) {
        Await.until(n + " records handed to the producer", WAIT, () -> mock.history().size() >= n);
    }

    @Test
    void send_completesOnlyWhenTheBrokerAcknowledges() {
        StepVerifier.create(producer.send(rec("a")))
                .then(() -> awaitSent(1))
                .expectNoEvent(Duration.ofMillis(100))
                .then(mock::completeNext)
                .assertNext(md -> assertThat(md.topic()).isEqualTo("t"))
                .verifyComplete();
    }

    @Test
    void send_failsWithTheProducersError() {
        StepVerifier.create(producer.send(rec("a")))
                .then(() -> awaitSent(1))
                .then(() -> mock.errorNext(new TimeoutException("expired")))
                .verifyErrorMessage("expired");
    }

    @Test
    void send_isLazy_nothingIsSentBeforeSubscription() {
        var mono = producer.send(rec("a"));
        Await.sleep(100);
        assertThat(mock.history()).isEmpty();
        StepVerifier.create(mono).then(() -> awaitSent(1)).then(mock::completeNext).expectNextCount(1)
                .verifyComplete();
    }

    @Test
    void sendAll_completesWithEveryMetadataInOrder_afterTheLastAck() {
        StepVerifier.create(producer.sendAll(List.of(rec("a"), rec("b"), rec("c"))))
                .then(() -> awaitSent(3))
                .then(mock::completeNext)
                .then(mock::completeNext)
                .expectNoEvent(Duration.ofMillis(100))
                .then(mock::completeNext)
                .assertNext(mds -> assertThat(mds).extracting(RecordMetadata::offset).hasSize(3))
                .verifyComplete();
        assertThat(mock.history()).extracting(r -> new String(r.value())).containsExactly("a", "b", "c");
    }

    @Test
    void sendAll_failsOnTheFirstError() {
        StepVerifier.create(producer.sendAll(List.of(rec("a"), rec("b"))))
                .then(() -> awaitSent(2))
                .then(mock::completeNext)
                .then(() -> mock.errorNext(new IllegalStateException("b failed")))
                .verifyErrorMessage("b failed");
    }

    @Test
    void signals_arriveOnTheProducerThread_notOnTheAckingThread() {
        AtomicReference<String> thread = new AtomicReference<>();
        StepVerifier.create(producer.send(rec("a")).doOnNext(md -> thread.set(Thread.currentThread().getName())))
                .then(() -> awaitSent(1))
                .then(mock::completeNext)
                .expectNextCount(1)
                .verifyComplete();
        assertThat(thread.get()).isEqualTo("kafka-producer-unit");
    }

    @Test
    void close_isIdempotent_andLaterSendsFail() {
        producer.close(Duration.ofSeconds(1));
        producer.close(Duration.ofSeconds(1));
        assertThat(mock.closed()).isTrue();
        StepVerifier.create(producer.send(rec("a"))).verifyError(IllegalStateException.class);
    }
}
