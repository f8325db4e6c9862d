package io.coldtier.schemas;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class PartitioningTest {

    @Test
    void partitionFor_equalsKafkasDefaultPartitionerForTheStringKey() {
        try (StringSerializer serializer = new StringSerializer()) {
            for (int n : new int[] {1, 2, 3, 6, 12, 64, 1000}) {
                for (int i = 0; i < 2_000; i++) {
                    String vmId = (i % 3 == 0 ? "vm-" : i % 3 == 1 ? "prod/eu-ü-" : "") + i;
                    byte[] key = serializer.serialize(Topics.SCANS, vmId);

                    int expected = Utils.toPositive(Utils.murmur2(key)) % n;

                    assertThat(Partitioning.partitionFor(vmId, n)).as("%s over %d", vmId, n).isEqualTo(expected)
                            .isEqualTo(BuiltInPartitioner.partitionForKey(key, n));
                }
            }
        }
    }

    /** Pinned values: a change here moves every VM to another partition and must be a deliberate migration. */
    @ParameterizedTest
    @CsvSource({"vm-1, 12, 10", "vm-2, 12, 10", "vm-1, 64, 58", "a-very-long-vm-identifier-0001, 12, 10", "ü, 7, 0"})
    void partitionFor_isStableAcrossReleases(String vmId, int partitions, int expected) {
        assertThat(Partitioning.partitionFor(vmId, partitions)).isEqualTo(expected);
    }

    @Test
    void partitionFor_pageKeyPartition_followsTheVmNotThePageKey() {
        String vmId = "vm-42";
        int vmPartition = Partitioning.partitionFor(vmId, 12);
        int differingFromHashedPageKey = 0;
        for (int page = 0; page < 100; page++) {
            byte[] pageKey = PageKeys.key(vmId, 0, page).getBytes(StandardCharsets.UTF_8);
            if (BuiltInPartitioner.partitionForKey(pageKey, 12) != vmPartition) {
                differingFromHashedPageKey++;
            }
        }
        // The reason Partitioning exists: hashing vmId/region/page would scatter a VM's pages.
        assertThat(differingFromHashedPageKey).isGreaterThan(50);
    }

    @Test
    void partitionFor_nonPositivePartitions_isRejected() {
        assertThatThrownBy(() -> Partitioning.partitionFor("vm-1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions must be > 0: 0");
    }
}
