package io.coldtier.bus.internal;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The {@code stopAtEnd} bookkeeping: the end offsets observed when the consumer started, which
 * partitions have reached them, and which polled records lie beyond them (and are not emitted, so
 * a rebuild or replay sees exactly the log as it was at its start). Owned by the loop thread.
 */
final class EndOffsets {
    private final Map<TopicPartition, Long> ends;
    private final Set<TopicPartition> finished = new HashSet<>();

    EndOffsets(Map<TopicPartition, Long> ends) {
        this.ends = Map.copyOf(ends);
    }

    /** Whether a polled record belongs to the snapshot (partitions not in it have no limit). */
    boolean includes(TopicPartition tp, long offset) {
        Long end = ends.get(tp);
        return end == null || offset < end;
    }

    /**
     * Marks the assigned partitions whose position reached their end offset (partitions created
     * after the start count as done) and says whether all of them have. False with no assignment.
     */
    boolean reached(Set<TopicPartition> assigned, ToLongFunction<TopicPartition> position) {
        if (assigned.isEmpty()) {
            return false;
        }
        for (TopicPartition tp : assigned) {
            Long end = ends.get(tp);
            if (!finished.contains(tp) && (end == null || position.applyAsLong(tp) >= end)) {
                finished.add(tp);
            }
        }
        return finished.containsAll(assigned);
    }

    /** Partitions done: kept paused so nothing past the end is fetched. */
    Set<TopicPartition> finished() {
        return finished;
    }

    /** A revoked partition may come back at an earlier position: check it again then. */
    void forget(Collection<TopicPartition> tps) {
        finished.removeAll(tps);
    }
}
