package io.coldtier.trace;

import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.ScanResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.io.StringWriter;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class LibCacheSimCsvTest {
    private static final TraceRecord.Position P = new TraceRecord.Position("t", 0, 0);

    @Test
    void scansAndRefaults_becomeOneLinePerPageAccess_withNumericIdsAndAHeader() {
        StringWriter out = new StringWriter();
        try (LibCacheSimCsv csv = new LibCacheSimCsv(out)) {
            csv.accept(new TraceRecord.Scan(scan("vm-a", 1, 100, 3, 7), P));
            csv.accept(new TraceRecord.Fault(fault("vm-a", 1, 101, FaultKind.REFAULT, 9), P));
            csv.accept(new TraceRecord.Fault(fault("vm-a", 1, 101, FaultKind.PREFETCH, 10), P));
            csv.accept(new TraceRecord.Fault(fault("vm-a", 1, 101, FaultKind.POISON, 11), P));
            csv.accept(new TraceRecord.Scan(scan("vm-b", 0, 102, 5), P));
            assertThat(csv.lines()).isEqualTo(4);
            assertThat(csv.vmIndex()).containsEntry("vm-a", 0).containsEntry("vm-b", 1);
        }
        long base = Instant.parse("2026-03-01T12:00:00Z").getEpochSecond();
        assertThat(out.toString()).isEqualTo(String.join("\n",
                "time,obj_id,obj_size,vm,region,page",
                (base + 100) + "," + ((1L << 32) | 3) + ",4096,0,1,3",
                (base + 100) + "," + ((1L << 32) | 7) + ",4096,0,1,7",
                (base + 101) + "," + ((1L << 32) | 9) + ",4096,0,1,9",
                (base + 102) + "," + ((1L << 44) | 5) + ",4096,1,0,5", ""));
    }

    @Test
    void objectId_packsVmRegionPage_andRejectsOverflow() {
        assertThat(LibCacheSimCsv.objectId(2, 3, 4)).isEqualTo((2L << 44) | (3L << 32) | 4);
        assertThatThrownBy(() -> LibCacheSimCsv.objectId(0, 4096, 0)).hasMessageContaining("out of range");
    }

    static ScanResult scan(String vm, int region, long second, int... pages) {
        RoaringBitmap accessed = RoaringBitmap.bitmapOf(pages);
        Instant at = SyntheticTrace.T0.plusSeconds(second);
        return ScanResult.newBuilder().setVmId(vm).setRegion(region).setCycle(second).setArmedAt(at.minusSeconds(1))
                .setScannedAt(at).setPageSize(4096).setPages(64).setAccessedCount(pages.length).setResidentCount(64)
                .setEvictedCount(0).setAccessed(Bitmaps.toBytes(accessed)).build();
    }

    static FaultEvent fault(String vm, int region, long second, FaultKind kind, long page) {
        return FaultEvent.newBuilder().setVmId(vm).setRegion(region).setCycle(second)
                .setAt(SyntheticTrace.T0.plusSeconds(second)).setKind(kind).setPage(page).setPageVersion(-1)
                .setLatencyNanos(1000).setPrefetched(0).build();
    }
}
