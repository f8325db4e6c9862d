package io.coldtier.evictor.service;

import io.coldtier.evictor.Command;
import io.coldtier.evictor.FaultInput;
import io.coldtier.evictor.FaultKind;
import io.coldtier.evictor.ScanInput;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.AgeBucket;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Avro records ↔ the core's records. Every failure is an {@link IllegalArgumentException} with a
 * reason fit for a dead letter (a corrupt bitmap, a page outside its region, ...).
 */
public final class AvroMapping {
    private AvroMapping() {
    }

    public static ScanInput toScanInput(ScanResult s) {
        return new ScanInput(s.getVmId(), s.getRegion(), s.getCycle(), micros(s.getScannedAt()), s.getPages(),
                s.getPageSize(), Bitmaps.fromBytes(s.getAccessed()), s.getResidentCount(), s.getEvictedCount());
    }

    public static FaultInput toFaultInput(FaultEvent f) {
        return new FaultInput(f.getVmId(), f.getRegion(), f.getCycle(), micros(f.getAt()),
                FaultKind.valueOf(f.getKind().name()), f.getPage());
    }

    /** The command as it goes on {@code coldtier.evictions}; histogram buckets with pages only, ascending by age. */
    public static EvictCommand toEvictCommand(Command c, Instant issuedAt) {
        return EvictCommand.newBuilder()
                .setVmId(c.vmId()).setRegion(c.region()).setCycle(c.cycle()).setCommandId(c.commandId())
                .setPolicy(c.policy()).setPages(Bitmaps.toBytes(c.pages()))
                .setAgeHistogram(ageBuckets(c.ageHistogram()))
                .setIssuedAt(issuedAt.truncatedTo(ChronoUnit.MICROS))
                .build();
    }

    static List<AgeBucket> ageBuckets(int[] histogram) {
        List<AgeBucket> buckets = new ArrayList<>();
        for (int age = 0; age < histogram.length; age++) {
            if (histogram[age] != 0) {
                buckets.add(new AgeBucket(age, (long) histogram[age]));
            }
        }
        return buckets;
    }

    static long micros(Instant t) {
        if (t == null) {
            throw new IllegalArgumentException("missing timestamp");
        }
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }
}
