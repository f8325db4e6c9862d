package io.coldtier.bus.internal;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class EndOffsetsTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);

    private final EndOffsets end = new EndOffsets(Map.of(P0, 10L, P1, 0L));
    private final Map<TopicPartition, Long> positions = new HashMap<>(Map.of(P0, 0L, P1, 0L, P2, 0L));

    @Test
    void recordsAtOrPastTheEndSeenAtStart_areNotPartOfTheSnapshot() {
        assertThat(end.includes(P0, 9)).isTrue();
        assertThat(end.includes(P0, 10)).isFalse();
        assertThat(end.includes(P1, 0)).as("empty at start").isFalse();
        assertThat(end.includes(P2, 1_000)).as("not in the snapshot: no limit").isTrue();
    }

    @Test
    void reached_onlyWhenEveryAssignedPartitionIsAtItsEnd() {
        assertThat(end.reached(Set.of(P0, P1), positions::get)).isFalse();
        assertThat(end.finished()).containsExactly(P1);
        positions.put(P0, 10L);
        assertThat(end.reached(Set.of(P0, P1), positions::get)).isTrue();
    }

    @Test
    void noAssignment_isNeverTheEnd() {
        assertThat(end.reached(Set.of(), positions::get)).isFalse();
    }

    @Test
    void partitionUnknownAtStart_countsAsDone() {
        assertThat(end.reached(Set.of(P1, P2), positions::get)).isTrue();
    }

    @Test
    void forgottenPartition_isCheckedAgain() {
        positions.put(P0, 10L);
        end.reached(Set.of(P0), positions::get);
        end.forget(List.of(P0));
        positions.put(P0, 4L);   // came back at its committed offset
        assertThat(end.reached(Set.of(P0), positions::get)).isFalse();
    }
}
