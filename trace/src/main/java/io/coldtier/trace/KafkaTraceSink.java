package io.coldtier.trace;

import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Writes a trace back into {@code coldtier.scans} / {@code coldtier.faults} (creating the topics if
 * missing), in trace order, keyed by VM id like the agent does, with the import time as record
 * timestamp (see {@link #accept}). Batches of 256 are sent and acknowledged (acks=all) before the next batch, so the
 * per-partition order is the trace order.
 */
public final class KafkaTraceSink implements AutoCloseable {
    private static final int BATCH = 256;
    private final ReactiveProducer producer;
    private final List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
    private long written;

    public KafkaTraceSink(String bootstrapServers, int partitions) {
        // Bulk work: longer timeouts than a service's, so a loaded broker slows the import instead of failing it.
        KafkaSettings settings = KafkaSettings.of(bootstrapServers, "trace")
                .withTimeouts(Duration.ofSeconds(120), Duration.ofSeconds(30));
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            admin.ensureTopics(Topics.newTopics(partitions, (short) 1));
        }
        Properties props = settings.producerProps("trace-import");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES + (1 << 20)));
        // One request in flight: an import usually writes to topics created a moment ago, and a fresh partition can
        // answer the first batch NOT_LEADER_OR_FOLLOWER and accept the next ones once its leader is up; the broker
        // then takes the retried first batch (sequence 0) as out of order and the idempotent producer retries it
        // until the delivery timeout (seen in CI: TraceRoundTripIT stalled 120 s on OUT_OF_ORDER_SEQUENCE_NUMBER).
        // With one batch at a time the first is retried before the next is sent, and the trace keeps its order.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        this.producer = new ReactiveProducer("trace-import", props);
    }

    public void accept(TraceRecord r) {
        SpecificRecord value = switch (r) {
            case TraceRecord.Scan s -> s.value();
            case TraceRecord.Fault f -> f.value();
        };
        // No explicit timestamp: the record gets the import time. With the event time, the topics' time-based
        // retention (7 days) deletes an older trace's segments minutes after the import (seen). The event
        // time stays in the value, and replay orders by it.
        batch.add(new ProducerRecord<>(r.topic(), r.vmId().getBytes(StandardCharsets.UTF_8), Codec.encode(value)));
        if (batch.size() >= BATCH) {
            flush();
        }
    }

    public void flush() {
        if (batch.isEmpty()) {
            return;
        }
        producer.sendAll(List.copyOf(batch)).block();
        written += batch.size();
        batch.clear();
    }

    public long written() {
        return written;
    }

    @Override
    public void close() {
        try {
            flush();
        } finally {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
