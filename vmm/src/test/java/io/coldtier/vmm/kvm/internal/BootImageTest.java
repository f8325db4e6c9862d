package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.AccessPattern;
import io.coldtier.vmm.kvm.GuestLayout;
import io.coldtier.vmm.kvm.GuestPaging;
import io.coldtier.vmm.kvm.GuestProgram;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The boot area, checked by walking it the way the MMU and the CPU would: page tables translate
 * every address to itself with U/S and R/W at every level, descriptors decode to what the vCPU
 * state claims, the I/O bitmap allows exactly the two report ports, and the control blocks carry
 * the program's parameters.
 */
@Tag("unit")
@Timeout(60)
class BootImageTest {
    static final long MIB = 1L << 20;

    static MemorySegment build(Arena a, GuestLayout l, GuestProgram p) {
        return BootImage.build(l, p, GuestCode.build(p.pattern() instanceof AccessPattern.HotCold).bytes(), a);
    }

    /** A software page walk of the image; returns the physical address, -1 if not mapped for CPL3 writes. */
    static long translate(MemorySegment img, long cr3, long va) {
        long table = cr3;
        int[] shifts = {39, 30, 21, 12};
        for (int level = 0; level < 4; level++) {
            long e = img.get(JAVA_LONG, table + ((va >>> shifts[level]) & 511) * 8);
            if ((e & BootImage.PTE_TABLE) != BootImage.PTE_TABLE) {
                return -1; // not present, or not user-writable at this level
            }
            long frame = e & 0x000F_FFFF_FFFF_F000L;
            if (level == 2 && (e & BootImage.PTE_PS) != 0) {
                return (e & 0x000F_FFFF_FFE0_0000L) | (va & (2 * MIB - 1));
            }
            table = frame;
        }
        return table | (va & 0xFFF);
    }

    @ParameterizedTest
    @EnumSource(GuestPaging.class)
    void pageTables_identityMapAllRamForCpl3_andNothingBeyond(GuestPaging paging) {
        GuestLayout l = GuestLayout.of(64 * MIB, 1, paging);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = build(a, l, GuestProgram.defaults().withPaging(paging));
            for (long va = 0; va < l.ramBytes(); va += 4096 * 7 + 8) { // strides across page boundaries
                assertThat(translate(img, l.pml4Gpa(), va)).as("va 0x%x", va).isEqualTo(va);
            }
            assertThat(translate(img, l.pml4Gpa(), l.ramBytes() - 8)).isEqualTo(l.ramBytes() - 8);
            assertThat(translate(img, l.pml4Gpa(), l.ramBytes())).as("past RAM").isEqualTo(-1);
        }
    }

    @Test
    void gdt_userSegmentsAreDpl3LongModeCode_andTssDescriptorPointsAtTheTss() {
        GuestLayout l = GuestLayout.of(16 * MIB, 1, GuestPaging.PAGE_2M);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment gdt = build(a, l, GuestProgram.defaults()).asSlice(GuestLayout.GDT_GPA, 4096);
            long code = gdt.get(JAVA_LONG, BootImage.SEL_USER_CODE & ~7);
            long data = gdt.get(JAVA_LONG, BootImage.SEL_USER_DATA & ~7);
            assertThat((code >>> 45) & 3).as("code DPL").isEqualTo(3);
            assertThat((code >>> 53) & 1).as("code L").isEqualTo(1);
            assertThat((code >>> 43) & 1).as("executable").isEqualTo(1);
            assertThat((data >>> 45) & 3).as("data DPL").isEqualTo(3);
            assertThat((data >>> 43) & 1).as("data not executable").isZero();

            long tss = gdt.get(JAVA_LONG, BootImage.SEL_TSS);
            long base = ((tss >>> 16) & 0xFFFFFF) | ((tss >>> 56) & 0xFF) << 24;
            long limit = (tss & 0xFFFF) | ((tss >>> 48) & 0xF) << 16;
            assertThat(base).isEqualTo(GuestLayout.TSS_GPA);
            assertThat(limit).isEqualTo(BootImage.TSS_LIMIT);
            assertThat((tss >>> 40) & 0xF).as("busy 64-bit TSS").isEqualTo(0xB);
            assertThat(BootImage.GDT_LIMIT).isGreaterThanOrEqualTo(BootImage.SEL_TSS + 15);
        }
    }

    @Test
    void tssIoBitmap_allowsExactlyTheReportPorts() {
        GuestLayout l = GuestLayout.of(16 * MIB, 1, GuestPaging.PAGE_2M);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tss = build(a, l, GuestProgram.defaults()).asSlice(GuestLayout.TSS_GPA, 4096);
            int iomap = Short.toUnsignedInt(tss.get(JAVA_SHORT, 0x66));
            assertThat(iomap + 0x100 / 8).as("bitmap inside the TSS limit").isLessThanOrEqualTo(BootImage.TSS_LIMIT);
            for (int port = 0; port < 0x100; port++) {
                boolean allowed = (tss.get(JAVA_BYTE, iomap + port / 8) & (1 << (port % 8))) == 0;
                assertThat(allowed).as("port 0x%x", port)
                        .isEqualTo(port == CtrlBlock.PORT_INIT_DONE || port == CtrlBlock.PORT_REPORT);
            }
            assertThat(tss.get(JAVA_BYTE, iomap + 0x100 / 8)).as("terminating byte").isEqualTo((byte) 0xFF);
        }
    }

    @Test
    void controlBlocks_carryEachVcpusSliceAndThePatternParameters() {
        GuestProgram p = GuestProgram.defaults().withVcpus(3)
                .withPattern(AccessPattern.hotCold(0.25, 0.75).withPhaseOps(1000)).withReportEvery(777);
        GuestLayout l = GuestLayout.of(32 * MIB, 3, GuestPaging.PAGE_2M);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = build(a, l, p);
            long nextSlice = l.dataGpa();
            for (int v = 0; v < 3; v++) {
                MemorySegment c = img.asSlice(l.ctrlGpa(v), 4096);
                long pages = c.get(JAVA_LONG, CtrlBlock.SLICE_PAGES);
                assertThat(c.get(JAVA_LONG, CtrlBlock.SLICE_BASE)).as("slices are contiguous").isEqualTo(nextSlice);
                assertThat(c.get(JAVA_LONG, CtrlBlock.SHADOW_BASE))
                        .isEqualTo(l.shadowGpa((nextSlice - l.dataGpa()) / 4096));
                assertThat(c.get(JAVA_LONG, CtrlBlock.HOT_PAGES)).isEqualTo(Math.round(pages * 0.25));
                assertThat(c.get(JAVA_LONG, CtrlBlock.HOT_STRIDE)).isEqualTo(Math.round(pages * 0.25));
                assertThat(c.get(JAVA_LONG, CtrlBlock.HOT_THRESHOLD)).isEqualTo(768);
                assertThat(c.get(JAVA_LONG, CtrlBlock.PHASE_OPS)).isEqualTo(1000);
                assertThat(c.get(JAVA_LONG, CtrlBlock.REPORT_EVERY)).isEqualTo(777);
                assertThat(c.get(JAVA_LONG, CtrlBlock.SEED)).isNotZero();
                assertThat(c.asSlice(CtrlBlock.OUT_START, CtrlBlock.OUT_END - CtrlBlock.OUT_START).toArray(JAVA_BYTE))
                        .as("outputs start zeroed").containsOnly(0);
                nextSlice += pages * 4096;
            }
            assertThat(nextSlice).isEqualTo(l.dataGpa() + l.dataPages() * 4096);
        }
    }

    @Test
    void sequentialPattern_neverChangesPhase() {
        GuestLayout l = GuestLayout.of(16 * MIB, 1, GuestPaging.PAGE_2M);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = build(a, l, GuestProgram.defaults()).asSlice(l.ctrlGpa(0), 4096);
            assertThat(c.get(JAVA_LONG, CtrlBlock.PHASE_OPS)).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void code_isCopiedToTheCodePage() {
        GuestLayout l = GuestLayout.of(16 * MIB, 1, GuestPaging.PAGE_2M);
        byte[] code = GuestCode.build(false).bytes();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = build(a, l, GuestProgram.defaults());
            assertThat(img.asSlice(GuestLayout.CODE_GPA, code.length).toArray(JAVA_BYTE)).isEqualTo(code);
        }
    }
}
