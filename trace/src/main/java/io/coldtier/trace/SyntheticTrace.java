package io.coldtier.trace;

import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.ScanResult;
import org.roaringbitmap.RoaringBitmap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic trace for tests and {@code coldtier bench replay}: per VM one region; each
 * cycle touches a fixed hot set plus a random share of the region (a moving "warm" window makes pages go
 * cold and come back), and between scans a few {@code REFAULT} faults of random pages.
 *
 * @param vms             VMs ({@code vm-0} ...)
 * @param pages           pages per region (4 KiB)
 * @param cycles          scans per VM
 * @param intervalMicros  time between two scans of a VM
 * @param hotFraction     share of pages touched every cycle
 * @param randomFraction  share touched at random per cycle
 * @param faultsPerCycle  REFAULT faults per VM between two scans
 * @param seed            random seed
 */
public record SyntheticTrace(int vms, int pages, int cycles, long intervalMicros, double hotFraction,
                             double randomFraction, int faultsPerCycle, long seed) {
    public static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    /** The bench's trace: 1 GiB regions (262,144 pages), 10 % of pages accessed per scan. */
    public static SyntheticTrace bench(int vms, int cycles) {
        return new SyntheticTrace(vms, 262_144, cycles, 1_000_000, 0.05, 0.05, 16, 42);
    }

    public List<TraceRecord> records() {
        List<TraceRecord> out = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        int hot = (int) (pages * hotFraction);
        int rnd = (int) (pages * randomFraction);
        long index = 0;
        for (int c = 1; c <= cycles; c++) {
            for (int v = 0; v < vms; v++) {
                String vm = "vm-" + v;
                long scanAt = T0.toEpochMilli() * 1000 + (long) c * intervalMicros + v;
                RoaringBitmap accessed = new RoaringBitmap();
                accessed.add(0L, hot);
                for (int i = 0; i < rnd; i++) {
                    accessed.add(random.nextInt(pages));
                }
                ScanResult scan = ScanResult.newBuilder().setVmId(vm).setRegion(0).setCycle(c)
                        .setArmedAt(instant(scanAt - intervalMicros / 2)).setScannedAt(instant(scanAt))
                        .setPageSize(4096).setPages(pages).setAccessedCount(accessed.getLongCardinality())
                        .setResidentCount(pages).setEvictedCount(0).setAccessed(Bitmaps.toBytes(accessed)).build();
                out.add(new TraceRecord.Scan(scan, new TraceRecord.Position("synthetic", 0, index++)));
                for (int f = 0; f < faultsPerCycle; f++) {
                    long at = scanAt + (f + 1) * (intervalMicros / (faultsPerCycle + 2));
                    FaultEvent fault = FaultEvent.newBuilder().setVmId(vm).setRegion(0).setCycle(c)
                            .setAt(instant(at)).setKind(FaultKind.REFAULT).setPage(random.nextInt(pages))
                            .setPageVersion(-1).setLatencyNanos(70_000).setPrefetched(0).build();
                    out.add(new TraceRecord.Fault(fault, new TraceRecord.Position("synthetic", 0, index++)));
                }
            }
        }
        out.sort(TraceRecord.ORDER);
        return out;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }
}
