package io.coldtier.handover;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegionRulesTest {
    static final long MIB = 1 << 20;
    static final long BASE = 0x7f00_0000_0000L;

    static Message.RegionMapping r(long host, long size, int memfd, long offset, long pageSize, long gpa) {
        return new Message.RegionMapping(host, size, memfd, offset, pageSize, gpa);
    }

    static void assertRejected(Runnable check, RejectCode code, String reason) {
        assertThatThrownBy(check::run).isInstanceOfSatisfying(HandOverException.class,
                e -> assertThat(e.code()).isEqualTo(code)).hasMessageContaining(reason);
    }

    @Test
    void wellFormedRegions_pass() {
        var regions = List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0), r(BASE + 8 * MIB, 4 * MIB, 0, 4 * MIB, 4096, 1L << 32),
                r(BASE + 64 * MIB, 4 * MIB, 1, 0, 2 * MIB, 8L << 30));
        assertThatCode(() -> {
            RegionRules.checkShapes(regions, new long[] {8 * MIB, 4 * MIB});
            RegionRules.checkOverlaps(regions);
        }).doesNotThrowAnyException();
    }

    @Test
    void shapes_rejectMisalignmentPageSizeAndEmptyRegions() {
        long[] one = {8 * MIB};
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, MIB, 0, 0, 8192, 0)), one), RejectCode.BAD_REGION,
                "regions[0].page_size 8192 is not supported");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE + 12, MIB, 0, 0, 4096, 0)), one),
                RejectCode.BAD_REGION, "regions[0].host_base 0x7f000000000c is not aligned to page_size 4096");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, MIB, 0, 100, 4096, 0)), one),
                RejectCode.BAD_REGION, "memfd_offset 0x64 is not aligned");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, 0, 0, 0, 4096, 0)), one), RejectCode.BAD_REGION,
                "regions[0].size 0 must be a positive multiple");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, MIB, 0, 0, 2 * MIB, 0)), one),
                RejectCode.BAD_REGION, "size 1048576 must be a positive multiple of page_size 2097152");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(Long.MAX_VALUE - 4095, 8192, 0, 0, 4096, 0)), one),
                RejectCode.BAD_REGION, "");
    }

    @Test
    void shapes_rejectARegionPastTheMemfdEnd_andUnusedOrMissingMemfds() {
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, 4 * MIB, 0, 6 * MIB, 4096, 0)),
                new long[] {8 * MIB}), RejectCode.REGION_EXCEEDS_MEMFD,
                "regions[0] covers memfd 0 bytes [6291456, 10485760) but the memfd is only 8388608 bytes long");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, MIB, 0, 0, 4096, 0)), new long[] {MIB, MIB}),
                RejectCode.BAD_REGION, "memfd 1 (descriptor 2) is not used by any region");
        assertRejected(() -> RegionRules.checkShapes(List.of(r(BASE, MIB, 1, 0, 4096, 0)), new long[] {MIB}),
                RejectCode.FD_COUNT, "regions[0].memfd_index 1 but only 1 memfd(s) arrived");
    }

    @Test
    void overlaps_inHostSpaceGuestSpaceOrTheSameMemfd_areRejected() {
        assertRejected(() -> RegionRules.checkOverlaps(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0),
                r(BASE + 2 * MIB, 4 * MIB, 0, 4 * MIB, 4096, 1L << 32))), RejectCode.REGIONS_OVERLAP,
                "regions[0] and regions[1] overlap in host address space");
        assertRejected(() -> RegionRules.checkOverlaps(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0),
                r(BASE + 8 * MIB, 4 * MIB, 0, 4 * MIB, 4096, 2 * MIB))), RejectCode.REGIONS_OVERLAP,
                "overlap in guest-physical space");
        assertRejected(() -> RegionRules.checkOverlaps(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0),
                r(BASE + 8 * MIB, 4 * MIB, 0, 2 * MIB, 4096, 1L << 32))), RejectCode.REGIONS_OVERLAP,
                "overlap in memfd 0");
        assertThatCode(() -> RegionRules.checkOverlaps(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0),
                r(BASE + 8 * MIB, 4 * MIB, 1, 0, 4096, 1L << 32)))).as("same offset, different memfds")
                .doesNotThrowAnyException();
    }

    static final String SMAPS = """
            7f0000000000-7f0000200000 rw-s 00000000 00:01 4242                       /memfd:guest (deleted)
            Size:               2048 kB
            KernelPageSize:        4 kB
            MMUPageSize:           4 kB
            VmFlags: rd wr sh mr mw me ms sd
            7f0000200000-7f0000400000 rw-s 00200000 00:01 4242                       /memfd:guest (deleted)
            Size:               2048 kB
            KernelPageSize:        4 kB
            7f0000400000-7f0000600000 rw-p 00000000 00:00 0
            KernelPageSize:        4 kB
            7f0000600000-7f0000800000 r--s 00000000 00:01 4242                       /memfd:guest (deleted)
            KernelPageSize:        4 kB
            """;

    @Test
    void mappings_mustMapThatMemfdSharedWritableAtThatOffset() {
        var vmas = ProcMaps.parse(SMAPS);
        assertThat(vmas).hasSize(4);
        assertThat(vmas.getFirst().pageSize()).isEqualTo(4096);
        var memfd = List.of(new FdInspector.FileId(1, 4242, 4 * MIB));
        assertThatCode(() -> RegionRules.checkMappings(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0)), vmas, memfd, 7))
                .as("spanning two VMAs of the same memfd").doesNotThrowAnyException();
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE, 4 * MIB, 0, MIB, 4096, 0)), vmas, memfd, 7),
                RejectCode.MAPPING_MISMATCH, "maps memfd offset 0, the hello says 1048576");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE, 6 * MIB, 0, 0, 4096, 0)), vmas, memfd, 7),
                RejectCode.MAPPING_MISMATCH, "address 0x7f0000400000 of pid 7 maps ''");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE + 6 * MIB, 2 * MIB, 0, 0, 4096, 0)), vmas,
                memfd, 7), RejectCode.MAPPING_MISMATCH, "must be shared and read-write");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE + 16 * MIB, 2 * MIB, 0, 0, 4096, 0)), vmas,
                memfd, 7), RejectCode.MAPPING_MISMATCH, "is not mapped in pid 7");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE, 2 * MIB, 0, 0, 4096, 0)), vmas,
                List.of(new FdInspector.FileId(1, 999, MIB)), 7), RejectCode.MAPPING_MISMATCH, "not memfd 0 (inode 999)");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE, 2 * MIB, 0, 0, 2 * MIB, 0)), vmas, memfd, 7),
                RejectCode.MAPPING_MISMATCH, "KernelPageSize is 4096, page_size says 2097152");
    }

    @Test
    void mappings_reportAnExistingMissingWpRegistration_andRefuseMinor() {
        String registered = SMAPS.replace("VmFlags: rd wr sh mr mw me ms sd", "VmFlags: rd wr sh mr mw me ms sd um uw");
        var memfd = List.of(new FdInspector.FileId(1, 4242, 4 * MIB));
        assertThat(RegionRules.checkMappings(List.of(r(BASE, 2 * MIB, 0, 0, 4096, 0)), ProcMaps.parse(registered),
                memfd, 7)).containsExactly(true);
        assertThat(RegionRules.checkMappings(List.of(r(BASE, 4 * MIB, 0, 0, 4096, 0)), ProcMaps.parse(registered),
                memfd, 7)).as("second VMA has no um/uw").containsExactly(false);
        String minor = SMAPS.replace("VmFlags: rd wr sh mr mw me ms sd", "VmFlags: rd wr sh mr mw me ms sd um ui");
        assertRejected(() -> RegionRules.checkMappings(List.of(r(BASE, 2 * MIB, 0, 0, 4096, 0)), ProcMaps.parse(minor),
                memfd, 7), RejectCode.MAPPING_MISMATCH, "registered for userfaultfd MINOR faults");
    }

    @Test
    void stDev_decodesLikeGlibc() {
        assertThat(new FdInspector.FileId(0x801, 1, 0).major()).isEqualTo(8);
        assertThat(new FdInspector.FileId(0x801, 1, 0).minor()).isEqualTo(1);
        long dev300 = (300 & 0xff) | ((300L & ~0xffL) << 12); // makedev(0, 300)
        assertThat(new FdInspector.FileId(dev300, 1, 0).minor()).isEqualTo(300);
        assertThat(new FdInspector.FileId(dev300, 1, 0).major()).isZero();
    }
}
