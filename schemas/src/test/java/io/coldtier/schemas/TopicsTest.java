package io.coldtier.schemas;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class TopicsTest {
    static Map<String, TopicSpec> byName(int partitions) {
        return Topics.all(partitions).stream().collect(Collectors.toMap(TopicSpec::name, Function.identity()));
    }

    @Test
    void all_listsEveryTopicConstantOnce() {
        List<String> names = Topics.all(6).stream().map(TopicSpec::name).toList();

        assertThat(names).doesNotHaveDuplicates().containsExactly(Topics.VMS, Topics.SCANS, Topics.FAULTS,
                Topics.EVICTIONS, Topics.PAGES, Topics.PAGE_ACKS, Topics.PAGE_DROPS, Topics.DEAD_LETTERS);
        assertThat(names).allMatch(n -> n.startsWith("coldtier."));
    }

    @Test
    void all_everyTopicHasTheSamePartitionCount_soVmsCoPartition() {
        assertThat(Topics.all(12)).extracting(TopicSpec::partitions).containsOnly(12);
    }

    @Test
    void all_compactedTopics_areExactlyVmsAndPages() {
        assertThat(Topics.all(1).stream().filter(TopicSpec::compacted).map(TopicSpec::name))
                .containsExactlyInAnyOrder(Topics.VMS, Topics.PAGES);
        assertThat(byName(1).get(Topics.PAGES).configs()).containsEntry("min.compaction.lag.ms", "0");
    }

    @Test
    void all_everyTopicHasAPurposeNamingItsRecordType() {
        for (TopicSpec spec : Topics.all(1)) {
            assertThat(spec.purpose()).as(spec.name()).isNotBlank()
                    .contains(Topics.valueType(spec.name()).getSimpleName());
        }
    }

    @Test
    void all_deleteTopics_keepRecordsForTheirRetention() {
        Map<String, TopicSpec> topics = byName(1);
        Map<String, Duration> expected = Map.of(Topics.SCANS, Duration.ofDays(7), Topics.FAULTS, Duration.ofDays(7),
                Topics.EVICTIONS, Duration.ofDays(1), Topics.PAGE_ACKS, Duration.ofDays(1),
                Topics.PAGE_DROPS, Duration.ofDays(1), Topics.DEAD_LETTERS, Duration.ofDays(14));
        expected.forEach((name, retention) -> assertThat(topics.get(name).configs())
                .as(name)
                .containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", Long.toString(retention.toMillis())));
    }

    @Test
    void all_topicsCarryingPagesOrBitmaps_acceptLargeRecords() {
        Map<String, TopicSpec> topics = byName(1);
        for (String name : List.of(Topics.SCANS, Topics.EVICTIONS, Topics.PAGES)) {
            assertThat(Integer.parseInt(topics.get(name).configs().get("max.message.bytes")))
                    .as(name).isEqualTo(Topics.MAX_RECORD_BYTES).isGreaterThan(2 << 20);
        }
        assertThat(Integer.parseInt(topics.get(Topics.DEAD_LETTERS).configs().get("max.message.bytes")))
                .isGreaterThan(Topics.MAX_RECORD_BYTES);
    }

    @Test
    void newTopics_carriesNamesPartitionsReplicationAndConfigs() {
        List<NewTopic> topics = Topics.newTopics(6, (short) 3);

        assertThat(topics).hasSize(Topics.all(6).size());
        for (NewTopic t : topics) {
            TopicSpec spec = byName(6).get(t.name());
            assertThat(t.numPartitions()).isEqualTo(6);
            assertThat(t.replicationFactor()).isEqualTo((short) 3);
            assertThat(t.configs()).containsAllEntriesOf(spec.configs());
        }
    }

    @Test
    void newTopics_pages_requireTwoInSyncReplicasWhenThereAreTwo() {
        Function<Short, String> minIsr = rf -> Topics.newTopics(1, rf).stream()
                .filter(t -> t.name().equals(Topics.PAGES)).findFirst().orElseThrow()
                .configs().get("min.insync.replicas");

        assertThat(minIsr.apply((short) 1)).isEqualTo("1");
        assertThat(minIsr.apply((short) 3)).isEqualTo("2");
    }

    @Test
    void badPartitionsOrReplication_areRejected() {
        assertThatThrownBy(() -> Topics.all(0)).hasMessageContaining("partitions must be > 0");
        assertThatThrownBy(() -> Topics.newTopics(1, (short) 0)).hasMessageContaining("replication must be > 0");
    }

    @Test
    void valueType_unknownTopic_isRejectedByName() {
        assertThatThrownBy(() -> Topics.valueType("coldtier.nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not a coldtier topic: coldtier.nope");
    }

    @Test
    void topicSpec_configs_areImmutable() {
        TopicSpec vms = byName(1).get(Topics.VMS);

        assertThatThrownBy(() -> vms.configs().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}
