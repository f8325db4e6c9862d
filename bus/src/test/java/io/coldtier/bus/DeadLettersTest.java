package io.coldtier.bus;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(30)
class DeadLettersTest {
    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ReactiveProducer producer = new ReactiveProducer("dlq-unit", mock);
    private final DeadLetters dlq = new DeadLetters(producer, "events.dlq",
            (rec, reason) -> ("dead:" + reason).getBytes(StandardCharsets.UTF_8));

    @AfterEach
    void close() {
        producer.close(Duration.ofSeconds(1));
    }

    private static ConsumedRecord bad(ConsumedRecord.Acknowledger acker) {
        RecordHeaders h = new RecordHeaders();
        h.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        return new ConsumedRecord("events", 2, 41, "k".getBytes(), "garbage".getBytes(), 7L, h, acker);
    }

    @Test
    void deadLetter_carriesReasonSourceOriginalKeyAndHeaders_andTheEncodedValue() {
        ProducerRecord<byte[], byte[]> r = dlq.toRecord(bad(ConsumedRecord.Acknowledger.NONE), "decode failed");
        assertThat(r.topic()).isEqualTo("events.dlq");
        assertThat(r.key()).isEqualTo("k".getBytes());
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("dead:decode failed");
        assertThat(new String(r.headers().lastHeader(DeadLetters.REASON_HEADER).value())).isEqualTo("decode failed");
        assertThat(new String(r.headers().lastHeader(DeadLetters.SOURCE_HEADER).value())).isEqualTo("events-2@41");
        assertThat(r.headers().lastHeader("trace")).isNotNull();
    }

    @Test
    void sendAndAck_acksTheOriginalOnlyAfterTheDeadLetterIsAcknowledged() {
        AtomicInteger acks = new AtomicInteger();
        StepVerifier.create(dlq.sendAndAck(bad(r -> acks.incrementAndGet()), "bad"))
                .then(() -> Await.until("sent", Duration.ofSeconds(10), () -> mock.history().size() == 1))
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> assertThat(acks).hasValue(0))
                .then(mock::completeNext)
                .verifyComplete();
        assertThat(acks).hasValue(1);
    }

    @Test
    void failedDeadLetter_leavesTheOriginalUnacked() {
        AtomicInteger acks = new AtomicInteger();
        StepVerifier.create(dlq.sendAndAck(bad(r -> acks.incrementAndGet()), "bad"))
                .then(() -> Await.until("sent", Duration.ofSeconds(10), () -> mock.history().size() == 1))
                .then(() -> mock.errorNext(new IllegalStateException("dlq down")))
                .verifyErrorMessage("dlq down");
        assertThat(acks).hasValue(0);
    }

    @Test
    void throwingEncoder_failsTheSend() {
        DeadLetters broken = new DeadLetters(producer, "x", (rec, reason) -> {
            throw new IllegalArgumentException("cannot encode");
        });
        StepVerifier.create(broken.send(bad(ConsumedRecord.Acknowledger.NONE), "r"))
                .verifyErrorMessage("cannot encode");
    }
}
