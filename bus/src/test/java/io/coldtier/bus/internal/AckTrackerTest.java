package io.coldtier.bus.internal;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class AckTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private final AckTracker tracker = new AckTracker();

    private void emit(TopicPartition tp, long... offsets) {
        for (long o : offsets) {
            tracker.emitted(tp, o);
        }
    }

    @Test
    void inOrderAcks_makeEachNextOffsetCommittable() {
        emit(P0, 0, 1, 2);
        assertThat(tracker.toCommit()).isEmpty();
        tracker.ack(P0, 0);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(P0, new OffsetAndMetadata(1)));
        tracker.ack(P0, 1);
        tracker.ack(P0, 2);
        assertThat(tracker.committablePosition(P0)).isEqualTo(3);
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void ackPastAGap_isHeldUntilTheGapCloses() {
        emit(P0, 0, 1, 2, 3, 4);
        tracker.ack(P0, 0);
        tracker.ack(P0, 2);
        tracker.ack(P0, 4);
        assertThat(tracker.committablePosition(P0)).as("1 is not acked").isEqualTo(1);
        assertThat(tracker.inFlight()).isEqualTo(2);   // 1 and 3
        tracker.ack(P0, 1);
        assertThat(tracker.committablePosition(P0)).as("0,1,2 contiguous; 3 missing").isEqualTo(3);
        tracker.ack(P0, 3);
        assertThat(tracker.committablePosition(P0)).isEqualTo(5);
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void ackInReverseOrder_commitsEverythingAtTheLastAck() {
        emit(P0, 10, 11, 12);
        tracker.ack(P0, 12);
        tracker.ack(P0, 11);
        assertThat(tracker.committablePosition(P0)).isEqualTo(-1);
        assertThat(tracker.toCommit()).isEmpty();
        tracker.ack(P0, 10);
        assertThat(tracker.committablePosition(P0)).isEqualTo(13);
    }

    @Test
    void offsetHoles_fromCompactionOrMarkers_doNotBlockTheCommit() {
        emit(P0, 3, 7, 8, 20);
        tracker.ack(P0, 7);
        tracker.ack(P0, 3);
        assertThat(tracker.committablePosition(P0)).isEqualTo(8);
        tracker.ack(P0, 8);
        tracker.ack(P0, 20);
        assertThat(tracker.committablePosition(P0)).isEqualTo(21);
    }

    @Test
    void duplicateAndUnknownAcks_changeNothing() {
        emit(P0, 0, 1, 2);
        assertThat(tracker.ack(P0, 2)).isTrue();
        assertThat(tracker.ack(P0, 2)).isFalse();
        assertThat(tracker.ack(P0, 99)).as("never emitted").isFalse();
        assertThat(tracker.ack(P1, 0)).as("untracked partition").isFalse();
        assertThat(tracker.ack(P0, 0)).isTrue();
        assertThat(tracker.ack(P0, 0)).isFalse();
        assertThat(tracker.inFlight()).isEqualTo(1);
        assertThat(tracker.committablePosition(P0)).isEqualTo(1);
    }

    @Test
    void partitionsAreIndependent() {
        emit(P0, 0, 1);
        emit(P1, 0, 1);
        tracker.ack(P1, 0);
        tracker.ack(P1, 1);
        tracker.ack(P0, 1);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(P1, new OffsetAndMetadata(2)));
        assertThat(tracker.inFlight(P0)).isEqualTo(1);
        assertThat(tracker.inFlight(P1)).isZero();
    }

    @Test
    void committedOffsets_areNotOfferedAgain_untilNewAcks() {
        emit(P0, 0, 1);
        tracker.ack(P0, 0);
        tracker.committed(tracker.toCommit());
        assertThat(tracker.toCommit()).isEmpty();
        tracker.ack(P0, 1);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void toCommitForSomePartitions_leavesTheOthers() {
        emit(P0, 0);
        emit(P1, 0);
        tracker.ack(P0, 0);
        tracker.ack(P1, 0);
        assertThat(tracker.toCommit(List.of(P1))).containsOnlyKeys(P1);
    }

    @Test
    void revocation_dropsInFlightRecordsAndIgnoresTheirLateAcks() {
        emit(P0, 0, 1, 2);
        emit(P1, 5);
        tracker.ack(P0, 0);
        assertThat(tracker.inFlight()).isEqualTo(3);
        tracker.revoke(List.of(P0));
        assertThat(tracker.inFlight()).isEqualTo(1);
        assertThat(tracker.ack(P0, 1)).isFalse();
        assertThat(tracker.toCommit()).doesNotContainKey(P0);
        assertThat(tracker.partitions()).containsExactly(P1);
    }

    @Test
    void reassignedPartition_startsFreshFromItsNewPosition() {
        emit(P0, 0, 1, 2);
        tracker.ack(P0, 0);
        tracker.revoke(List.of(P0));
        emit(P0, 1, 2);   // redelivered from the committed offset 1
        tracker.ack(P0, 1);
        assertThat(tracker.committablePosition(P0)).isEqualTo(2);
        assertThat(tracker.inFlight()).isEqualTo(1);
    }

    @Test
    void positionMovingBack_restartsTheTrackingOfThatPartition() {
        emit(P0, 5, 6);
        tracker.ack(P0, 5);
        emit(P0, 0);      // e.g. an offset reset to earliest
        assertThat(tracker.inFlight()).isEqualTo(1);
        assertThat(tracker.committablePosition(P0)).isEqualTo(-1);
        tracker.ack(P0, 0);
        assertThat(tracker.committablePosition(P0)).isEqualTo(1);
    }
}
