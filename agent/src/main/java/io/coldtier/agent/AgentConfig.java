package io.coldtier.agent;

import io.coldtier.bus.KafkaSettings;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How one agent runs one VM.
 *
 * @param vmId               fleet-unique VM id (no '/')
 * @param agentId            this agent's id, in VmRegistration
 * @param kafka              the cluster
 * @param tierStore          address of the tier-store's page RPC (refault fetches)
 * @param partitions         partition count of the coldtier topics (for PageOut's explicit partition)
 * @param interval           detection interval (arm → scan)
 * @param faultQueueCapacity bound of the FaultEvent queue between the fault loop and the publisher; a full queue
 *                           drops events (counted) rather than ever blocking the fault loop
 */
public record AgentConfig(String vmId, String agentId, KafkaSettings kafka, InetSocketAddress tierStore,
                          int partitions, Duration interval, int faultQueueCapacity) {
    public AgentConfig {
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(tierStore, "tierStore");
        Objects.requireNonNull(interval, "interval");
        if (vmId.isEmpty() || vmId.indexOf('/') >= 0) {
            throw new IllegalArgumentException("vmId must be non-empty and without '/': '" + vmId + "'");
        }
        if (partitions <= 0 || faultQueueCapacity <= 0) {
            throw new IllegalArgumentException("partitions and faultQueueCapacity must be > 0");
        }
    }

    /** 1 s interval, a 65,536-event fault queue. */
    public static AgentConfig of(String vmId, KafkaSettings kafka, InetSocketAddress tierStore, int partitions) {
        return new AgentConfig(vmId, "agent-" + vmId, kafka, tierStore, partitions, Duration.ofSeconds(1), 1 << 16);
    }

    public AgentConfig withInterval(Duration d) {
        return new AgentConfig(vmId, agentId, kafka, tierStore, partitions, d, faultQueueCapacity);
    }
}
