package io.coldtier.fleet;

import io.coldtier.bus.KafkaSettings;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the fleet's topics once, bounded: every partition from its beginning to the end offset it had when the read
 * started (records produced later are left for the next report). A group-less consumer in assign mode: nothing is
 * committed and no consumer group is joined, so reports never disturb each other or the services.
 */
public final class FleetReader {
    /** The topics the analysis uses. */
    public static final List<String> TOPICS = List.of(Topics.VMS, Topics.SCANS, Topics.FAULTS, Topics.EVICTIONS);

    private FleetReader() {}

    /** What was read, and how many values could not be decoded (they are skipped). */
    public record Read(FleetInput input, long undecodable) {}

    /**
     * Reads all of {@link #TOPICS} up to their end offsets at start.
     *
     * @param timeout the longest the whole read may take; a read that has not reached every end offset by then fails
     */
    public static Read read(KafkaSettings kafka, Duration timeout) {
        FleetInput input = new FleetInput();
        long undecodable = 0;
        var props = kafka.consumerProps(null, "fleet-report");
        props.put("max.partition.fetch.bytes", String.valueOf(Topics.MAX_RECORD_BYTES + (1 << 20)));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : TOPICS) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
                if (infos != null) {
                    infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            ends.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
            while (!ends.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("fleet read did not reach the end offsets within " + timeout
                            + "; still reading " + ends.keySet());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Long end = ends.get(new TopicPartition(r.topic(), r.partition()));
                    if (end == null || r.offset() >= end || r.value() == null) {
                        continue; // beyond the snapshot, or a tombstone
                    }
                    switch (Codec.decode(r.value())) {
                        case Decoded.Ok(var record) -> input.add(record);
                        case Decoded.Failed f -> undecodable++;
                    }
                }
                ends.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
            }
        }
        return new Read(input, undecodable);
    }
}
