package io.coldtier.evictor.service;

import io.coldtier.evictor.PolicyConfig;

import java.util.Objects;

/**
 * How an {@link EvictorService} connects and decides.
 *
 * @param bootstrapServers Kafka {@code host:port[,host:port...]}
 * @param groupId          consumer group of the live subscription; null or blank means
 *                         {@value #DEFAULT_GROUP_ID}. Its committed offsets also bound the rebuild.
 * @param policies         default policy spec and per-VM overrides (validated by {@link PolicyConfig})
 * @param partitions       partition count used when the topics have to be created
 */
public record EvictorConfig(String bootstrapServers, String groupId, PolicyConfig policies, int partitions) {
    public static final String DEFAULT_GROUP_ID = "coldtier-evictor";

    public EvictorConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is empty");
        }
        groupId = groupId == null || groupId.isBlank() ? DEFAULT_GROUP_ID : groupId;
        Objects.requireNonNull(policies, "policies");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
    }

    /** With the default group id. */
    public static EvictorConfig of(String bootstrapServers, PolicyConfig policies, int partitions) {
        return new EvictorConfig(bootstrapServers, null, policies, partitions);
    }
}
