package io.coldtier.schemas;

import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place for topic names, partitioning and topic configs. No I/O: {@link #newTopics} only builds the
 * {@link NewTopic} requests an admin client (in {@code bus}) sends.
 *
 * <p>Keys: {@code vmId} on every topic except {@link #PAGES}, keyed {@link PageKeys#key} and partitioned explicitly
 * with {@link Partitioning#partitionFor}; every topic has the same partition count, so all of a VM's records share
 * one partition number. Values: {@link Codec}-encoded records of {@link #valueType(String)}.
 */
public final class Topics {
    public static final String VMS = "coldtier.vms";
    public static final String SCANS = "coldtier.scans";
    public static final String FAULTS = "coldtier.faults";
    public static final String EVICTIONS = "coldtier.evictions";
    public static final String PAGES = "coldtier.pages";
    public static final String PAGE_ACKS = "coldtier.page-acks";
    public static final String PAGE_DROPS = "coldtier.page-drops";
    public static final String DEAD_LETTERS = "coldtier.dead-letters";

    /**
     * Largest record (topic {@code max.message.bytes}) on topics that carry a page or a page bitmap. Kafka's
     * default (about 1 MiB) is too small for both: a 2 MiB hugetlbfs page in PageOut, and a Roaring bitmap of a
     * randomly touched 64 GiB region at 4 KiB pages (16 Mi pages → up to 2 MiB). 8 MiB covers regions of up to
     * 64 Mi pages; producers must raise {@code max.request.size} to match. Larger regions must be split.
     */
    public static final int MAX_RECORD_BYTES = 8 << 20;

    static final String CLEANUP_POLICY = "cleanup.policy";
    static final String RETENTION_MS = "retention.ms";
    static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    private static final Map<String, Class<? extends SpecificRecord>> VALUE_TYPES = Map.of(
            VMS, VmRegistration.class,
            SCANS, ScanResult.class,
            FAULTS, FaultEvent.class,
            EVICTIONS, EvictCommand.class,
            PAGES, PageOut.class,
            PAGE_ACKS, PageStored.class,
            PAGE_DROPS, PageDropped.class,
            DEAD_LETTERS, DeadLetter.class);

    private Topics() {
    }

    /** Every coldtier topic, each with {@code partitions} partitions. */
    public static List<TopicSpec> all(int partitions) {
        String large = Integer.toString(MAX_RECORD_BYTES);
        return List.of(
                new TopicSpec(VMS, partitions, Map.of(CLEANUP_POLICY, "compact"),
                        "VmRegistration per VM, key vmId, compacted to each VM's latest state; agent → evictor, tier-store"),
                new TopicSpec(SCANS, partitions, deleteAfter(Duration.ofDays(7), large),
                        "ScanResult per region per detection cycle, key vmId; agent → evictor, analytics"),
                new TopicSpec(FAULTS, partitions, deleteAfter(Duration.ofDays(7), null),
                        "FaultEvent per resolved fault, key vmId; agent → evictor, analytics"),
                new TopicSpec(EVICTIONS, partitions, deleteAfter(Duration.ofDays(1), large),
                        "EvictCommand answering a ScanResult, key vmId; evictor → agent"),
                // Compaction lag 0 (Kafka's default, stated so nobody "fixes" it): a page's older version may be
                // compacted away as soon as a newer one is written; the newer one is already acked with acks=all,
                // and a refault only ever wants the latest version, so nothing needed is lost.
                new TopicSpec(PAGES, partitions, Map.of(CLEANUP_POLICY, "compact", MIN_COMPACTION_LAG_MS, "0",
                        MAX_MESSAGE_BYTES, large),
                        "PageOut per evicted page version, key vmId/region/page, partition by vmId, compacted to each "
                                + "page's latest version; agent → tier-store (and rebuilds)"),
                new TopicSpec(PAGE_ACKS, partitions, deleteAfter(Duration.ofDays(1), null),
                        "PageStored durability ack per stored page version, key vmId; tier-store → agent"),
                new TopicSpec(PAGE_DROPS, partitions, deleteAfter(Duration.ofDays(1), null),
                        "PageDropped per page version no longer needed, key vmId; agent → tier-store"),
                // A dead letter holds a whole source record plus metadata, so it needs a little more room than the
                // largest source record.
                new TopicSpec(DEAD_LETTERS, partitions,
                        deleteAfter(Duration.ofDays(14), Integer.toString(MAX_RECORD_BYTES + (1 << 20))),
                        "DeadLetter per record a consumer could not process, key vmId when known; any consumer → operators"));
    }

    /**
     * Creation requests for {@link #all(int)}. {@link #PAGES} also gets {@code min.insync.replicas} =
     * min(replication, 2): the agent punches a page's hole once its PageOut is acked with acks=all, and that ack
     * only means "on more than one broker" when the topic requires it.
     *
     * @throws IllegalArgumentException if replication is not positive
     */
    public static List<NewTopic> newTopics(int partitions, short replication) {
        if (replication <= 0) {
            throw new IllegalArgumentException("replication must be > 0: " + replication);
        }
        return all(partitions).stream().map(spec -> {
            Map<String, String> configs = new HashMap<>(spec.configs());
            if (spec.name().equals(PAGES)) {
                configs.put(MIN_INSYNC_REPLICAS, Integer.toString(Math.min(replication, 2)));
            }
            return new NewTopic(spec.name(), spec.partitions(), replication).configs(configs);
        }).toList();
    }

    /**
     * The Avro record type of the values on a topic.
     *
     * @throws IllegalArgumentException if the topic is not a coldtier topic
     */
    public static Class<? extends SpecificRecord> valueType(String topic) {
        Class<? extends SpecificRecord> type = VALUE_TYPES.get(topic);
        if (type == null) {
            throw new IllegalArgumentException("not a coldtier topic: " + topic);
        }
        return type;
    }

    private static Map<String, String> deleteAfter(Duration retention, String maxMessageBytes) {
        Map<String, String> configs = new HashMap<>();
        configs.put(CLEANUP_POLICY, "delete");
        configs.put(RETENTION_MS, Long.toString(retention.toMillis()));
        if (maxMessageBytes != null) {
            configs.put(MAX_MESSAGE_BYTES, maxMessageBytes);
        }
        return configs;
    }
}
