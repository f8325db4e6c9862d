package io.coldtier.schemas;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/**
 * The one partitioning rule of coldtier: all records of one VM, on every topic, land on the same partition number.
 *
 * <p>Why: the evictor and tier-store scale as consumer groups partitioned by VM, and each needs all of a VM's records
 * in order on one consumer (a PageDropped must not overtake the PageOut it drops; a ScanResult and the faults of the
 * same cycle feed the same page-age table). Every topic is created with the same partition count ({@link
 * Topics#all(int)}) and Kafka's default partitioner maps the String key {@code vmId} to
 * {@code toPositive(murmur2(utf8(vmId))) % partitions}. The one exception is {@code coldtier.pages}, whose key is
 * {@code vmId/region/page} (so compaction keeps one record per page): hashing that key would scatter a VM's pages over
 * all partitions. Producers of PageOut must therefore set the partition explicitly with {@link #partitionFor}, which
 * is exactly the default partitioner's answer for the key {@code vmId}.
 *
 * <p>Changing the partition count of a topic moves VMs between partitions; resize all topics together.
 */
public final class Partitioning {
    private Partitioning() {
    }

    /**
     * The partition Kafka's default partitioner would choose for the String key {@code vmId}.
     *
     * @throws IllegalArgumentException if partitions is not positive
     */
    public static int partitionFor(String vmId, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be > 0: " + partitions);
        }
        // Same bytes as StringSerializer (UTF-8) and the same arithmetic as BuiltInPartitioner.partitionForKey.
        byte[] key = vmId.getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
