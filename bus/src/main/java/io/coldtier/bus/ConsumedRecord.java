package io.coldtier.bus;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One record delivered by {@link ReactiveConsumer#receive()}.
 *
 * <p>{@link #ack()} means "the effect of this record is durable" (stored, forwarded and
 * acknowledged, or dead-lettered). Only then may its offset be committed; a record never acked is
 * delivered again after a restart or a rebalance. Acks may come from any thread, in any order, and
 * more than once. Key and value arrays are the consumer's own: do not modify them; {@code equals}
 * compares them by identity, as records do for arrays.
 *
 * @param key          may be null
 * @param value        may be null (a tombstone)
 * @param timestamp    epoch millis, as set by the producer or the broker
 * @param headers      read-only
 * @param acknowledger where {@link #ack()} goes; {@link Acknowledger#NONE} for records not tracked
 */
public record ConsumedRecord(String topic, int partition, long offset, byte[] key, byte[] value, long timestamp,
                             Headers headers, Acknowledger acknowledger) {

    /** Receives acks; implemented by the consumer that delivered the record. */
    @FunctionalInterface
    public interface Acknowledger {
        Acknowledger NONE = r -> { };

        void ack(ConsumedRecord record);
    }

    public ConsumedRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(acknowledger, "acknowledger");
        headers = headers == null ? new RecordHeaders() : headers;
        if (headers instanceof RecordHeaders rh) {
            rh.setReadOnly();
        }
    }

    /** A record that nobody tracks (tests, and code that builds records itself). */
    public ConsumedRecord(String topic, int partition, long offset, byte[] key, byte[] value, long timestamp,
                          Headers headers) {
        this(topic, partition, offset, key, value, timestamp, headers, Acknowledger.NONE);
    }

    /** Marks the effect of this record as durable; its offset becomes committable once all earlier ones are. */
    public void ack() {
        acknowledger.ack(this);
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** {@code topic-partition@offset}, e.g. {@code page-access-2@1234}: where this record came from. */
    public String source() {
        return topic + "-" + partition + "@" + offset;
    }

    /** The last header named {@code key} as UTF-8, or null. */
    public String header(String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ConsumedRecord[" + source() + ", key " + length(key) + " B, value " + length(value) + " B, ts "
                + timestamp + "]";
    }

    private static String length(byte[] b) {
        return b == null ? "null" : String.valueOf(b.length);
    }
}
