package io.coldtier.evictor.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.evictor.Command;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.ScanInput;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.AgeBucket;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.ScanResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class ServiceMappingTest {
    private static final Instant T = Instant.parse("2026-03-01T12:00:00.123456Z");

    @Test
    void config_withoutGroupId_usesDefaultGroup_andRejectsBadPartitions() {
        PolicyConfig p = PolicyConfig.of("idle-age:cycles=2");
        assertThat(EvictorConfig.of("localhost:9092", p, 3).groupId()).isEqualTo("coldtier-evictor");
        assertThat(new EvictorConfig("localhost:9092", " ", p, 3).groupId()).isEqualTo("coldtier-evictor");
        assertThatThrownBy(() -> EvictorConfig.of("localhost:9092", p, 0)).hasMessageContaining("partitions");
        assertThatThrownBy(() -> EvictorConfig.of(" ", p, 1)).hasMessageContaining("bootstrapServers");
    }

    @Test
    void scanResult_mapsToScanInput_withMicrosAndBitmap() {
        ScanResult s = ScanResult.newBuilder().setVmId("vm-1").setRegion(2).setCycle(7).setArmedAt(T).setScannedAt(T)
                .setPageSize(4096).setPages(100).setAccessedCount(3).setResidentCount(90).setEvictedCount(10)
                .setAccessed(Bitmaps.toBytes(RoaringBitmap.bitmapOf(1, 2, 99))).build();
        ScanInput in = AvroMapping.toScanInput(s);
        assertThat(in.scannedAtMicros()).isEqualTo(T.getEpochSecond() * 1_000_000 + 123_456);
        assertThat(in.accessed()).isEqualTo(RoaringBitmap.bitmapOf(1, 2, 99));
        assertThat(in.region()).isEqualTo(2);
        assertThat(in.cycle()).isEqualTo(7);
    }

    @Test
    void command_mapsToEvictCommand_withNonEmptyBucketsAscending() {
        int[] histogram = new int[256];
        histogram[2] = 5;
        histogram[9] = 1;
        Command c = new Command("vm-1", 0, 4, Command.idOf("vm-1", 0, 4), "idle-age",
                RoaringBitmap.bitmapOfRange(10, 16), histogram);
        EvictCommand e = AvroMapping.toEvictCommand(c, T);
        assertThat(e.getCommandId()).isEqualTo("vm-1/0/4");
        assertThat(e.getAgeHistogram()).containsExactly(new AgeBucket(2, 5L), new AgeBucket(9, 1L));
        assertThat(Bitmaps.fromBytes(e.getPages())).isEqualTo(RoaringBitmap.bitmapOfRange(10, 16));
        assertThat(Codec.decode(Codec.encode(e), EvictCommand.class)).isEqualTo(e);
    }

    @Test
    void toInput_rejectsUndecodableAndMisplacedRecords_withReasons() {
        assertThatThrownBy(() -> EvictorService.toInput(rec(Topics.SCANS, new byte[] {1, 2})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad magic");
        assertThatThrownBy(() -> EvictorService.toInput(rec(Topics.SCANS, null)))
                .hasMessageContaining("tombstone");
        EvictCommand cmd = AvroMapping.toEvictCommand(new Command("vm-1", 0, 1, "vm-1/0/1", "x",
                RoaringBitmap.bitmapOf(1), new int[256]), T);
        assertThatThrownBy(() -> EvictorService.toInput(rec(Topics.SCANS, Codec.encode(cmd))))
                .hasMessageContaining("unexpected EvictCommand on coldtier.scans");
    }

    private static ConsumedRecord rec(String topic, byte[] value) {
        return new ConsumedRecord(topic, 0, 0, null, value, 0, null);
    }
}
