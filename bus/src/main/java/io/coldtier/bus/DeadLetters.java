package io.coldtier.bus;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Parks records that cannot be processed (undecodable, invalid) on a dead-letter topic so the
 * stream can go on. The pattern: decode fails → {@link #sendAndAck} → the original is acked only
 * after the dead letter is durable → the next record.
 *
 * <p>The dead letter's value comes from a caller-supplied encoder (the schemas module's DeadLetter
 * Avro record, say), which keeps this module independent of any schema. Its key is the original
 * key; its headers are the original headers plus {@value #REASON_HEADER} and
 * {@value #SOURCE_HEADER} ({@code topic-partition@offset}), both UTF-8.
 */
public final class DeadLetters {
    public static final String REASON_HEADER = "coldtier.dlq.reason";
    public static final String SOURCE_HEADER = "coldtier.dlq.source";

    private final ReactiveProducer producer;
    private final String topic;
    private final BiFunction<ConsumedRecord, String, byte[]> encoder;

    /**
     * @param encoder builds the dead letter's value from the record and the reason; it may throw,
     *                which fails {@link #send}
     */
    public DeadLetters(ReactiveProducer producer, String topic, BiFunction<ConsumedRecord, String, byte[]> encoder) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    /** An encoder that keeps the original value unchanged (the reason travels in the header only). */
    public static BiFunction<ConsumedRecord, String, byte[]> originalValue() {
        return (rec, reason) -> rec.value();
    }

    public String topic() {
        return topic;
    }

    /** Produces the dead letter; completes when the broker acknowledged it. Does not ack {@code rec}. */
    public Mono<Void> send(ConsumedRecord rec, String reason) {
        return Mono.defer(() -> producer.send(toRecord(rec, reason))).then();
    }

    /** {@link #send}, then {@link ConsumedRecord#ack()} of the original once the dead letter is durable. */
    public Mono<Void> sendAndAck(ConsumedRecord rec, String reason) {
        return send(rec, reason).then(Mono.fromRunnable(rec::ack));
    }

    /** The record {@link #send} produces. */
    public ProducerRecord<byte[], byte[]> toRecord(ConsumedRecord rec, String reason) {
        String why = reason == null ? "unspecified" : reason;
        RecordHeaders headers = new RecordHeaders();
        for (Header h : rec.headers()) {
            if (!h.key().equals(REASON_HEADER) && !h.key().equals(SOURCE_HEADER)) {
                headers.add(h);
            }
        }
        headers.add(REASON_HEADER, why.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_HEADER, rec.source().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, rec.key(), encoder.apply(rec, why), headers);
    }
}
