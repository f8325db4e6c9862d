package io.coldtier.agent.host;

import io.coldtier.bus.KafkaSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the agent host runs: where it listens for hand-overs and from whom, and how it runs each VM it accepts.
 *
 * @param socket             the hand-over socket (AF_UNIX, SOCK_STREAM)
 * @param allowedUids        SO_PEERCRED uids allowed to hand over memory
 * @param agentId            this agent's id (VmRegistration.agentId, Accepted.agent_id)
 * @param kafka              the cluster
 * @param tierStore          the tier-store's page RPC
 * @param partitions         partition count of the coldtier topics
 * @param interval           detection interval of every VM
 * @param faultQueueCapacity bound of each VM's FaultEvent queue
 * @param exitGrace          after a VMM's connection ends without goodbye: how long to wait for the process to
 *                           exit before treating it as alive (restore everything and unregister)
 * @param zapTimeout         longest wait for a VMM's answer to a zap request before arming remotely instead
 * @param recoveryTimeout    bound for reading {@code coldtier.pages} when a VM is attached again
 */
public record AgentHostConfig(Path socket, Set<Integer> allowedUids, String agentId, KafkaSettings kafka,
                              InetSocketAddress tierStore, int partitions, Duration interval, int faultQueueCapacity,
                              Duration exitGrace, Duration zapTimeout, Duration recoveryTimeout) {
    public AgentHostConfig {
        Objects.requireNonNull(socket, "socket");
        allowedUids = Set.copyOf(allowedUids);
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(tierStore, "tierStore");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(exitGrace, "exitGrace");
        Objects.requireNonNull(zapTimeout, "zapTimeout");
        Objects.requireNonNull(recoveryTimeout, "recoveryTimeout");
        if (allowedUids.isEmpty()) {
            throw new IllegalArgumentException("allowedUids is empty: nobody could hand memory over");
        }
        if (partitions <= 0 || faultQueueCapacity <= 0) {
            throw new IllegalArgumentException("partitions and faultQueueCapacity must be > 0");
        }
    }

    /** Only this process's own uid may hand over; 1 s interval; 3 s exit grace; 2 s zap timeout. */
    public static AgentHostConfig of(Path socket, KafkaSettings kafka, InetSocketAddress tierStore, int partitions) {
        return new AgentHostConfig(socket, Set.of(ownUid()), "agent-" + hostName(), kafka, tierStore, partitions,
                Duration.ofSeconds(1), 1 << 16, Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    public AgentHostConfig withAllowedUids(Set<Integer> uids) {
        return new AgentHostConfig(socket, uids, agentId, kafka, tierStore, partitions, interval, faultQueueCapacity,
                exitGrace, zapTimeout, recoveryTimeout);
    }

    public AgentHostConfig withAgentId(String id) {
        return new AgentHostConfig(socket, allowedUids, id, kafka, tierStore, partitions, interval, faultQueueCapacity,
                exitGrace, zapTimeout, recoveryTimeout);
    }

    public AgentHostConfig withInterval(Duration d) {
        return new AgentHostConfig(socket, allowedUids, agentId, kafka, tierStore, partitions, d, faultQueueCapacity,
                exitGrace, zapTimeout, recoveryTimeout);
    }

    public AgentHostConfig withFaultQueueCapacity(int n) {
        return new AgentHostConfig(socket, allowedUids, agentId, kafka, tierStore, partitions, interval, n, exitGrace,
                zapTimeout, recoveryTimeout);
    }

    /** The uid of this process (owner of /proc/self). */
    public static int ownUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the uid of /proc/self", e);
        }
    }

    private static String hostName() {
        return System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
}
