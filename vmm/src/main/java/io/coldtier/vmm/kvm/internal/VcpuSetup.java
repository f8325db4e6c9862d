package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.GuestLayout;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs.Reg;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Ctl;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Seg;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Segment;

import java.lang.foreign.MemorySegment;

/**
 * The initial CPU state: 64-bit long mode with paging, running user code at CPL3. This is the
 * combination kvm_pvm executes natively (kvm-guest.md "Exact setup that runs natively"); every
 * other mode (real, 32-bit, compatibility, CPL0) is emulated at about 1 µs per instruction.
 *
 * <p>Pitfalls encoded here: EFER.LME is only accepted after KVM_SET_CPUID2 (done by the caller
 * first); legacy 32-bit paging is silently dropped by kvm_pvm, so only long mode pages; at CPL3
 * every paging level needs U/S=1 (BootImage); there is no IDT, so any guest exception becomes
 * KVM_EXIT_SHUTDOWN. OUT at CPL3 is permitted by the TSS I/O bitmap, not by RFLAGS.IOPL: kvm_pvm
 * accepts IOPL=3 in KVM_SET_REGS but the vCPU runs with IOPL=0 (measured: rflags reads back
 * 0x10002 after the first instruction), see {@code BootImage.writeTss}.
 */
public final class VcpuSetup {
    static final long CR0_PE = 1, CR0_ET = 1 << 4, CR0_WP = 1 << 16, CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8, EFER_LMA = 1 << 10;
    /** Bit 1 is always 1; IF = 0 (no interrupts are ever injected); IOPL = 0 (see class doc). */
    public static final long RFLAGS = 0x2;

    private VcpuSetup() {}

    /** Fills {@code sregs} (as read by KVM_GET_SREGS, to keep apic_base) for the CPL3 long-mode guest. */
    public static void sregs(MemorySegment sregs, GuestLayout layout) {
        Segment code = new Segment(0, 0xFFFFFFFF, BootImage.SEL_USER_CODE, 0xB, true, 3, false, true, true, true,
                false);
        Segment data = new Segment(0, 0xFFFFFFFF, BootImage.SEL_USER_DATA, 0x3, true, 3, true, true, false, true,
                false);
        code.write(sregs, Seg.CS);
        for (Seg s : new Seg[] {Seg.DS, Seg.ES, Seg.FS, Seg.GS, Seg.SS}) {
            data.write(sregs, s);
        }
        new Segment(GuestLayout.TSS_GPA, BootImage.TSS_LIMIT, BootImage.SEL_TSS, 0xB, true, 0, false, false, false,
                false, false).write(sregs, Seg.TR);
        new Segment(0, 0, 0, 0x2, false, 0, false, false, false, false, true).write(sregs, Seg.LDT);
        KvmSregs.dtable(sregs, KvmSregs.GDT_OFFSET, GuestLayout.GDT_GPA, BootImage.GDT_LIMIT);
        KvmSregs.dtable(sregs, KvmSregs.IDT_OFFSET, 0, 0);
        KvmSregs.set(sregs, Ctl.CR0, CR0_PG | CR0_WP | CR0_ET | CR0_PE);
        KvmSregs.set(sregs, Ctl.CR3, layout.pml4Gpa());
        KvmSregs.set(sregs, Ctl.CR4, CR4_PAE);
        KvmSregs.set(sregs, Ctl.EFER, EFER_LME | EFER_LMA);
    }

    /** Entry state of vCPU {@code v}: rip at the code page, rdi = its control block. */
    public static void regs(MemorySegment regs, GuestLayout layout, int v) {
        regs.fill((byte) 0);
        KvmRegs.set(regs, Reg.RIP, GuestLayout.CODE_GPA);
        KvmRegs.set(regs, Reg.RFLAGS, RFLAGS);
        KvmRegs.set(regs, Reg.RDI, layout.ctrlGpa(v));
        // The program never pushes; a valid stack (top of the control page) is for safety only.
        KvmRegs.set(regs, Reg.RSP, layout.ctrlGpa(v) + GuestLayout.PAGE);
    }
}
