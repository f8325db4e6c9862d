package io.coldtier.schemas;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a topic is and how it is created.
 *
 * @param name       the topic name, one of the {@link Topics} constants
 * @param partitions partition count; the same for every topic (see {@link Partitioning})
 * @param configs    topic-level configs (Kafka names, e.g. {@code cleanup.policy}), sorted by name
 * @param purpose    one sentence: what the topic carries, who writes it, who reads it
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs, String purpose) {
    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions <= 0) {
            throw new IllegalArgumentException(name + ": partitions must be > 0: " + partitions);
        }
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException(name + ": purpose must not be blank");
        }
        // Sorted so that logs, diffs and the README table list configs in a stable order.
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
    }

    /** True when the topic keeps the latest record per key instead of expiring records by age. */
    public boolean compacted() {
        return "compact".equals(configs.get(Topics.CLEANUP_POLICY));
    }
}
