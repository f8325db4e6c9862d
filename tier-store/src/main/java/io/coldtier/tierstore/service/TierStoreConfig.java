package io.coldtier.tierstore.service;

import io.coldtier.tierstore.StoreOptions;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link TierStoreService} is wired.
 *
 * @param bootstrapServers Kafka {@code host:port[,host:port...]}
 * @param dataDir          the RocksDB directory of the page store; created if missing. An empty or missing
 *                         directory is rebuilt from the compacted {@code coldtier.pages} topic at start.
 * @param rpcBind          where the refault-fetch RPC listens (port 0 = ephemeral, see
 *                         {@link TierStoreService#rpcPort()})
 * @param groupId          consumer group of the {@code coldtier.pages} consumer (default
 *                         {@value #DEFAULT_GROUP_ID}); the {@code coldtier.page-drops} consumer uses
 *                         {@code groupId + "-drops"}, so a rebalance of one never pauses the other
 * @param partitions       partition count of the coldtier topics, used when this service creates them
 * @param store            RocksDB tuning of the page store
 */
public record TierStoreConfig(String bootstrapServers, Path dataDir, InetSocketAddress rpcBind, String groupId,
                              int partitions, StoreOptions store) {
    public static final String DEFAULT_GROUP_ID = "coldtier-tier-store";

    public TierStoreConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(rpcBind, "rpcBind");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(store, "store");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is empty");
        }
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("groupId is blank");
        }
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be > 0: " + partitions);
        }
    }

    /** Group {@value #DEFAULT_GROUP_ID} and {@link StoreOptions#defaults()} (fsync on). */
    public static TierStoreConfig of(String bootstrapServers, Path dataDir, InetSocketAddress rpcBind,
                                     int partitions) {
        return new TierStoreConfig(bootstrapServers, dataDir, rpcBind, DEFAULT_GROUP_ID, partitions,
                StoreOptions.defaults());
    }

    public TierStoreConfig withGroupId(String id) {
        return new TierStoreConfig(bootstrapServers, dataDir, rpcBind, id, partitions, store);
    }

    public TierStoreConfig withStore(StoreOptions options) {
        return new TierStoreConfig(bootstrapServers, dataDir, rpcBind, groupId, partitions, options);
    }

    /** The group of the {@code coldtier.page-drops} consumer. */
    public String dropsGroupId() {
        return groupId + "-drops";
    }
}
