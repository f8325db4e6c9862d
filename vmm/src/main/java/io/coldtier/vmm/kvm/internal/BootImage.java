package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.AccessPattern;
import io.coldtier.vmm.kvm.GuestLayout;
import io.coldtier.vmm.kvm.GuestPaging;
import io.coldtier.vmm.kvm.GuestProgram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Builds the boot area of guest RAM ({@code [0, layout.shadowGpa())}) in private memory: code,
 * GDT, TSS, control blocks and the identity page tables. The caller copies it into guest RAM in
 * one {@code memcpy} downcall, so no Java code touches guest RAM directly (it may already be
 * registered with a userfaultfd, see {@code Libc}).
 */
public final class BootImage {
    /** Page-table entry bits: present, writable, user (U/S=1 is required at every level for CPL3). */
    static final long PTE_P = 1, PTE_RW = 1 << 1, PTE_US = 1 << 2, PTE_PS = 1 << 7;
    static final long PTE_TABLE = PTE_P | PTE_RW | PTE_US;

    /** GDT descriptors (flat, base 0, limit 0xFFFFF pages). */
    static final long GDT_KERNEL_CODE64 = 0x00AF9A000000FFFFL; // P, DPL0, code exec/read, L=1
    static final long GDT_KERNEL_DATA = 0x00CF92000000FFFFL;   // P, DPL0, data read/write, D/B=1
    static final long GDT_USER_CODE64 = 0x00AFFA000000FFFFL;   // P, DPL3, code exec/read, L=1
    static final long GDT_USER_DATA = 0x00CFF2000000FFFFL;     // P, DPL3, data read/write, D/B=1
    public static final int SEL_USER_CODE = 0x18 | 3, SEL_USER_DATA = 0x20 | 3, SEL_TSS = 0x28;
    /** Seven 8-byte slots: five descriptors plus the 16-byte TSS descriptor. */
    public static final int GDT_LIMIT = 7 * 8 - 1;
    /** Offset of the I/O permission bitmap inside the TSS: right after the 104-byte TSS proper. */
    static final int IOMAP_BASE = 0x68;
    /** Bitmap bytes for ports 0x00–0xFF, plus the all-ones byte the SDM requires after the bitmap. */
    static final int IOMAP_BYTES = 0x100 / 8 + 1;
    /** The TSS limit covers the bitmap, so the CPU (or KVM's emulator) consults it for OUT. */
    public static final int TSS_LIMIT = IOMAP_BASE + IOMAP_BYTES - 1;

    private BootImage() {}

    /** The boot area for {@code program} on {@code layout}, allocated in {@code arena}. */
    public static MemorySegment build(GuestLayout layout, GuestProgram program, byte[] code, Arena arena) {
        MemorySegment img = arena.allocate(layout.bootBytes(), GuestLayout.PAGE).fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(code), 0, img, GuestLayout.CODE_GPA, code.length);
        writeGdt(img.asSlice(GuestLayout.GDT_GPA, GuestLayout.PAGE));
        writeTss(img.asSlice(GuestLayout.TSS_GPA, GuestLayout.PAGE));
        for (int v = 0; v < program.vcpus(); v++) {
            writeCtrl(img.asSlice(layout.ctrlGpa(v), GuestLayout.PAGE), layout, program, v);
        }
        writePageTables(img, layout);
        return img;
    }

    static void writeGdt(MemorySegment gdt) {
        gdt.set(JAVA_LONG, 0x08, GDT_KERNEL_CODE64);
        gdt.set(JAVA_LONG, 0x10, GDT_KERNEL_DATA);
        gdt.set(JAVA_LONG, 0x18, GDT_USER_CODE64);
        gdt.set(JAVA_LONG, 0x20, GDT_USER_DATA);
        gdt.set(JAVA_LONG, 0x28, tssDescriptorLow(GuestLayout.TSS_GPA, TSS_LIMIT));
        gdt.set(JAVA_LONG, 0x30, GuestLayout.TSS_GPA >>> 32);
    }

    /**
     * A 64-bit TSS whose I/O permission bitmap allows exactly the report ports. This, not
     * RFLAGS.IOPL, is what lets the CPL3 program execute OUT on kvm_pvm: KVM_SET_REGS accepts
     * IOPL=3 but the vCPU reads back IOPL=0 after its first instruction, and KVM's emulator then
     * checks the bitmap (SDM 1 19.5.2: a clear bit allows the port). With no bitmap within the TSS
     * limit every OUT raises #GP, which without an IDT is a triple fault (KVM_EXIT_SHUTDOWN).
     */
    static void writeTss(MemorySegment tss) {
        tss.set(JAVA_SHORT, 0x66, (short) IOMAP_BASE);
        tss.asSlice(IOMAP_BASE, IOMAP_BYTES).fill((byte) 0xFF);
        for (int port : new int[] {CtrlBlock.PORT_INIT_DONE, CtrlBlock.PORT_REPORT}) {
            long at = IOMAP_BASE + port / 8;
            tss.set(JAVA_BYTE, at, (byte) (tss.get(JAVA_BYTE, at) & ~(1 << (port % 8))));
        }
    }

    /**
     * Low half of a 64-bit TSS descriptor (SDM 3A 8.2.3): limit[15:0], base[23:0], type 0xB
     * (busy 64-bit TSS), P=1, limit[19:16], base[31:24]; the high half holds base[63:32].
     */
    static long tssDescriptorLow(long base, long limit) {
        return (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x8BL << 40 | ((limit >>> 16) & 0xF) << 48
                | ((base >>> 24) & 0xFF) << 56;
    }

    static void writeCtrl(MemorySegment ctrl, GuestLayout layout, GuestProgram program, int v) {
        long first = layout.sliceFirstPage(v);
        long pages = layout.slicePages(v);
        ctrl.set(JAVA_LONG, CtrlBlock.SLICE_BASE, layout.dataPageGpa(first));
        ctrl.set(JAVA_LONG, CtrlBlock.SLICE_PAGES, pages);
        ctrl.set(JAVA_LONG, CtrlBlock.SHADOW_BASE, layout.shadowGpa(first));
        ctrl.set(JAVA_LONG, CtrlBlock.REPORT_EVERY, program.reportEveryOps());
        ctrl.set(JAVA_LONG, CtrlBlock.SEED, seed(program.seed(), v));
        long hotPages = pages;
        long threshold = 0;
        long phaseOps = Long.MAX_VALUE; // "never": rbp counts down from 2^63
        if (program.pattern() instanceof AccessPattern.HotCold hc) {
            hotPages = Math.clamp(Math.round(pages * hc.hotFraction()), 1, pages);
            threshold = Math.round(hc.hotAccessFraction() * 1024);
            phaseOps = hc.phaseOps() == 0 ? Long.MAX_VALUE : hc.phaseOps();
        }
        ctrl.set(JAVA_LONG, CtrlBlock.HOT_PAGES, hotPages);
        ctrl.set(JAVA_LONG, CtrlBlock.HOT_THRESHOLD, threshold);
        ctrl.set(JAVA_LONG, CtrlBlock.PHASE_OPS, phaseOps);
        ctrl.set(JAVA_LONG, CtrlBlock.HOT_STRIDE, hotPages);
    }

    /** A non-zero xorshift seed per vCPU (splitmix64 finaliser of seed + vcpu). */
    static long seed(long seed, int vcpu) {
        long z = seed + (vcpu + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }

    /**
     * Identity map of all guest RAM: PML4[0] → PDPT; PDPT[g] → PD g; then either 2 MiB leaf
     * entries (PS=1) in the PDs, or PD entries → 4 KiB page tables. Entries past RAM stay 0.
     */
    static void writePageTables(MemorySegment img, GuestLayout layout) {
        img.set(JAVA_LONG, layout.pml4Gpa(), layout.pdptGpa() | PTE_TABLE);
        for (long g = 0; g < layout.pdCount(); g++) {
            img.set(JAVA_LONG, layout.pdptGpa() + g * 8, layout.pdGpa(g) | PTE_TABLE);
        }
        long chunks = layout.ramBytes() / GuestLayout.HUGE;
        for (long c = 0; c < chunks; c++) {
            long pde = layout.pdGpa(c / 512) + (c % 512) * 8;
            if (layout.paging() == GuestPaging.PAGE_2M) {
                img.set(JAVA_LONG, pde, c * GuestLayout.HUGE | PTE_TABLE | PTE_PS);
                continue;
            }
            long pt = layout.ptGpa(c);
            img.set(JAVA_LONG, pde, pt | PTE_TABLE);
            for (long i = 0; i < 512; i++) {
                img.set(JAVA_LONG, pt + i * 8, c * GuestLayout.HUGE + i * GuestLayout.PAGE | PTE_TABLE);
            }
        }
    }
}
