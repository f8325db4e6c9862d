package io.coldtier.schemas;

import io.coldtier.schemas.avro.AgeBucket;
import io.coldtier.schemas.avro.Compression;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.DropReason;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import io.coldtier.schemas.avro.VmState;
import org.apache.avro.specific.SpecificRecord;
import org.roaringbitmap.RoaringBitmap;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/** One realistic record of every topic type, shared by the tests. */
final class Fixtures {
    /** Microsecond precision, as timestamp-micros stores it, so round trips compare equal. */
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00.123456Z");

    private Fixtures() {
    }

    static RoaringBitmap accessedPages() {
        RoaringBitmap pages = RoaringBitmap.bitmapOf(0, 1, 2, 7, 4096, 70_000);
        pages.add(100_000L, 200_000L); // a hot run: stored as a run container
        return pages;
    }

    static VmRegistration vmRegistration() {
        return VmRegistration.newBuilder()
                .setVmId("vm-1").setAgentId("agent-a").setHost("host-17").setPid(4242).setBackend("zap")
                .setState(VmState.ACTIVE).setRegisteredAt(T0)
                .setRegions(List.of(
                        RegionInfo.newBuilder().setIndex(0).setGuestPhysBase(0L).setSize(1L << 30).setPageSize(4096).build(),
                        RegionInfo.newBuilder().setIndex(1).setGuestPhysBase(1L << 32).setSize(1L << 31)
                                .setPageSize(2 << 20).build()))
                .build();
    }

    static ScanResult scanResult() {
        RoaringBitmap accessed = accessedPages();
        return ScanResult.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(17).setArmedAt(T0).setScannedAt(T0.plusMillis(500))
                .setPageSize(4096).setPages(262_144).setAccessedCount(accessed.getLongCardinality())
                .setResidentCount(200_000).setEvictedCount(62_144).setAccessed(Bitmaps.toBytes(accessed))
                .build();
    }

    static FaultEvent faultEvent() {
        return FaultEvent.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(17).setAt(T0.plusSeconds(1)).setKind(FaultKind.REFAULT)
                .setPage(1234).setPageVersion(3).setLatencyNanos(41_000).setPrefetched(7)
                .build();
    }

    static EvictCommand evictCommand() {
        RoaringBitmap pages = RoaringBitmap.bitmapOf(3, 4, 5, 6);
        pages.add(200_000L, 262_144L);
        return EvictCommand.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(17).setCommandId("cmd-vm-1-0-17").setPolicy("age>=4")
                .setPages(Bitmaps.toBytes(pages))
                .setAgeHistogram(List.of(new AgeBucket(0, 100_006L), new AgeBucket(4, 62_148L)))
                .setIssuedAt(T0.plusMillis(520))
                .build();
    }

    static PageOut pageOut() {
        return PageOut.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(17).setPage(1234).setVersion(3).setChecksum(0x1EDC6F41)
                .setZero(false).setCompression(Compression.LZ4).setRawLength(4096)
                .setContents(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5})).setEvictedAt(T0.plusMillis(530))
                .build();
    }

    static PageStored pageStored() {
        return PageStored.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(17).setPage(1234).setVersion(3)
                .setStoredAt(T0.plusMillis(540)).setStore("tier-store-0")
                .build();
    }

    static PageDropped pageDropped() {
        return PageDropped.newBuilder()
                .setVmId("vm-1").setRegion(0).setCycle(18).setPage(1234).setVersion(3)
                .setReason(DropReason.REFAULTED).setAt(T0.plusSeconds(2))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setVmId("vm-1").setSourceTopic(Topics.SCANS).setPartition(3).setOffset(99)
                .setKey(ByteBuffer.wrap("vm-1".getBytes())).setValue(ByteBuffer.wrap(new byte[] {0x7B}))
                .setReason("not Avro single-object encoding (bad magic 0x7B)").setAt(T0.plusSeconds(3))
                .build();
    }

    /** One of each topic record type, in Topics order. */
    static List<SpecificRecord> everyRecordType() {
        return List.of(vmRegistration(), scanResult(), faultEvent(), evictCommand(), pageOut(), pageStored(),
                pageDropped(), deadLetter());
    }
}
