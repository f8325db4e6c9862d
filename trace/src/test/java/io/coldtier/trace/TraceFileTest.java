package io.coldtier.trace;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(60)
class TraceFileTest {
    private static final List<TraceRecord> RECORDS =
            new SyntheticTrace(2, 4096, 20, 1_000_000, 0.05, 0.05, 4, 7).records();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TraceFile.Compression.class)
    void writeThenRead_givesTheSameRecordsInTraceOrder_withEveryCodec(TraceFile.Compression compression) {
        Path file = dir.resolve("t-" + compression + ".trace");
        TraceFile.write(file, RECORDS.reversed(), compression, Map.of("source", "test"));

        List<TraceRecord> back = TraceFile.readAll(file);

        assertThat(back).hasSize(RECORDS.size());
        for (int i = 0; i < back.size(); i++) {
            assertThat(value(back.get(i))).isEqualTo(value(RECORDS.get(i)));
            assertThat(back.get(i).position()).isEqualTo(new TraceRecord.Position(file.getFileName().toString(), 0, i));
        }
        try (TraceFile.Reader r = TraceFile.reader(file)) {
            assertThat(r.meta()).containsEntry("source", "test");
            assertThat(r.codec()).isEqualTo(switch (compression) {
                case ZSTD -> "zstandard";
                case DEFLATE -> "deflate";
                case NONE -> "null";
            });
        }
    }

    @Test
    void fileSchema_embedsBothRecordSchemas() {
        assertThat(TraceFile.SCHEMA.getTypes()).extracting(s -> s.getFullName())
                .containsExactly("io.coldtier.schemas.avro.ScanResult", "io.coldtier.schemas.avro.FaultEvent");
    }

    @Test
    void compression_parsesNamesAndRejectsUnknownOnes() {
        assertThat(TraceFile.Compression.parse("ZSTD")).isEqualTo(TraceFile.Compression.ZSTD);
        assertThat(TraceFile.Compression.parse("deflate")).isEqualTo(TraceFile.Compression.DEFLATE);
        assertThatThrownBy(() -> TraceFile.Compression.parse("lzma")).hasMessageContaining("zstd, deflate or none");
    }

    @Test
    void filter_keepsTimeRangeAndVms() {
        var t0 = SyntheticTrace.T0;
        TraceFilter f = new TraceFilter(t0.plusSeconds(5), t0.plusSeconds(10), java.util.Set.of("vm-1"));
        List<TraceRecord> kept = RECORDS.stream().filter(f::accepts).toList();
        assertThat(kept).isNotEmpty().allMatch(r -> r.vmId().equals("vm-1"));
        assertThat(kept).allMatch(r -> r.eventMicros() >= (t0.getEpochSecond() + 5) * 1_000_000L
                && r.eventMicros() < (t0.getEpochSecond() + 10) * 1_000_000L);
        assertThatThrownBy(() -> new TraceFilter(t0, t0, java.util.Set.of())).hasMessageContaining("empty time range");
    }

    static Object value(TraceRecord r) {
        return switch (r) {
            case TraceRecord.Scan s -> s.value();
            case TraceRecord.Fault f -> f.value();
        };
    }
}
