package io.coldtier.bus.internal;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which offsets may be committed: per partition, the offset after the longest prefix of emitted
 * records that are all acked. Acks may arrive out of order; an ack past a gap is remembered until
 * the gap closes. Offsets need not be consecutive (compaction and transaction markers leave holes):
 * "contiguous" is over the emitted sequence, not over the numbers.
 *
 * <p>Not thread-safe: owned by the consumer loop thread, which feeds it acks from a queue.
 */
public final class AckTracker {
    private static final class Partition {
        final TreeSet<Long> pending = new TreeSet<>();   // emitted, not yet part of the committable prefix
        final Set<Long> ackedAhead = new HashSet<>();    // acked, but an earlier pending offset is not
        long committable = -1;                           // next offset to commit, -1 = nothing acked yet
        long committed = -1;                             // last value handed to commit
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();
    private int inFlight;

    /**
     * Records that {@code offset} was delivered. Offsets increase per partition; one that does not
     * (the consumer's position moved back: a seek or an offset reset) restarts the partition's
     * tracking, as if it had been revoked and assigned again.
     */
    public void emitted(TopicPartition tp, long offset) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        long last = !p.pending.isEmpty() ? p.pending.last() : p.committable - 1;
        if (offset <= last) {
            revoke(Set.of(tp));
            p = partitions.computeIfAbsent(tp, k -> new Partition());
        }
        p.pending.add(offset);
        inFlight++;
    }

    /**
     * Applies an ack. Returns false if it changes nothing: an offset already acked, one never
     * emitted, or one of a partition no longer tracked (revoked).
     */
    public boolean ack(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p == null || p.pending.isEmpty() || !p.pending.contains(offset)) {
            return false;
        }
        if (offset != p.pending.first()) {
            if (!p.ackedAhead.add(offset)) {
                return false;
            }
            inFlight--;
            return true;
        }
        p.pending.pollFirst();
        inFlight--;
        long next = offset + 1;
        while (!p.pending.isEmpty() && p.ackedAhead.remove(p.pending.first())) {
            next = p.pending.pollFirst() + 1;
        }
        p.committable = next;
        return true;
    }

    /** Records emitted and not yet acked, over all partitions. */
    public int inFlight() {
        return inFlight;
    }

    /** Emitted-but-unacked records of one partition (0 if untracked). */
    public int inFlight(TopicPartition tp) {
        Partition p = partitions.get(tp);
        return p == null ? 0 : p.pending.size() - p.ackedAhead.size();
    }

    /** The next offset to commit for {@code tp}, or -1 if nothing was acked since it was tracked. */
    public long committablePosition(TopicPartition tp) {
        Partition p = partitions.get(tp);
        return p == null ? -1 : p.committable;
    }

    /** Offsets to commit: every partition whose committable position moved since {@link #committed}. */
    public Map<TopicPartition, OffsetAndMetadata> toCommit() {
        return toCommit(partitions.keySet());
    }

    /** Like {@link #toCommit()}, restricted to {@code tps}. */
    public Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<TopicPartition> tps) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : tps) {
            Partition p = partitions.get(tp);
            if (p != null && p.committable > p.committed) {
                out.put(tp, new OffsetAndMetadata(p.committable));
            }
        }
        return out;
    }

    /** Notes a successful commit, so the same offsets are not committed again. */
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            Partition p = partitions.get(tp);
            if (p != null) {
                p.committed = Math.max(p.committed, om.offset());
            }
        });
    }

    /** Forgets partitions (revoked or lost): their in-flight records no longer count, their acks are ignored. */
    public void revoke(Collection<TopicPartition> tps) {
        for (TopicPartition tp : tps) {
            Partition p = partitions.remove(tp);
            if (p != null) {
                inFlight -= p.pending.size() - p.ackedAhead.size();
            }
        }
    }

    public Set<TopicPartition> partitions() {
        return Set.copyOf(partitions.keySet());
    }
}
