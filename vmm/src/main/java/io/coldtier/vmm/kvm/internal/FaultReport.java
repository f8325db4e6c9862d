package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.GuestFailedException;
import io.coldtier.vmm.kvm.GuestLayout;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs.Reg;
import io.coldtier.vmm.kvm.internal.struct.KvmRun;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Ctl;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Seg;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs.Segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Turns an unexpected exit into a {@link GuestFailedException} a person can debug from the
 * message alone: the exit and what it usually means here, rip with the program's instruction at
 * that address, all registers, and the control registers (CR2 holds the address of the last
 * guest page fault).
 */
public final class FaultReport {
    private final X86Asm program;

    public FaultReport(X86Asm program) {
        this.program = program;
    }

    GuestFailedException describe(KvmVcpu vcpu, MemorySegment run, int reason) {
        StringBuilder sb = new StringBuilder();
        sb.append("  why: ").append(meaning(reason, run)).append('\n');
        long rip = -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = KvmRegs.allocate(a);
            MemorySegment sregs = KvmSregs.allocate(a);
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            rip = KvmRegs.get(regs, Reg.RIP);
            long codeOffset = rip - GuestLayout.CODE_GPA;
            program.lineAt(Math.clamp(codeOffset, -1, Integer.MAX_VALUE)).ifPresent(l -> sb
                    .append("  instruction: ").append(l.gas()).append("   ; ").append(l.comment()).append('\n'));
            appendRegs(sb, regs);
            appendSregs(sb, sregs);
        } catch (RuntimeException e) {
            sb.append("  (registers unavailable: ").append(e.getMessage()).append(")\n");
        }
        return new GuestFailedException(vcpu.id(), KvmApi.exitName(reason), rip, sb.toString().stripTrailing());
    }

    private static String meaning(int reason, MemorySegment run) {
        return switch (reason) {
            case KvmApi.EXIT_SHUTDOWN -> "the guest took an exception; with no IDT every exception is a triple "
                    + "fault (check CR2 for a page fault, and the instruction at rip)";
            case KvmApi.EXIT_FAIL_ENTRY -> "VM entry failed, hardware reason 0x"
                    + Long.toHexString(KvmRun.failEntryReason(run)) + " (invalid guest state)";
            case KvmApi.EXIT_INTERNAL_ERROR -> "KVM internal error, suberror " + KvmRun.internalSuberror(run)
                    + " data " + Arrays.toString(KvmRun.internalData(run))
                    + " (suberror 1 = emulation failure)";
            case KvmApi.EXIT_IO -> "port I/O on port 0x" + Integer.toHexString(KvmRun.ioPort(run))
                    + ", which the guest program never uses";
            case KvmApi.EXIT_UNKNOWN -> "unknown exit, hardware reason 0x"
                    + Long.toHexString(KvmRun.hardwareExitReason(run));
            default -> "an exit the guest program never asks for";
        };
    }

    private static void appendRegs(StringBuilder sb, MemorySegment regs) {
        Reg[] all = Reg.values();
        for (int i = 0; i < all.length; i++) {
            sb.append("  ")
                    .append(String.format("%-6s=%016x", all[i].cName(), KvmRegs.get(regs, all[i])));
            if (i % 4 == 3 || i == all.length - 1) {
                sb.append('\n');
            }
        }
    }

    private static void appendSregs(StringBuilder sb, MemorySegment sregs) {
        sb.append(String.format("  cr0=%x cr2=%x cr3=%x cr4=%x efer=%x%n", KvmSregs.get(sregs, Ctl.CR0),
                KvmSregs.get(sregs, Ctl.CR2), KvmSregs.get(sregs, Ctl.CR3), KvmSregs.get(sregs, Ctl.CR4),
                KvmSregs.get(sregs, Ctl.EFER)));
        Segment cs = Segment.read(sregs, Seg.CS);
        Segment ss = Segment.read(sregs, Seg.SS);
        sb.append(String.format("  cs=%x (dpl %d, l=%b) ss=%x (dpl %d) gdt=%x/%x%n", cs.selector(), cs.dpl(), cs.l(),
                ss.selector(), ss.dpl(), KvmSregs.dtableBase(sregs, KvmSregs.GDT_OFFSET),
                KvmSregs.dtableLimit(sregs, KvmSregs.GDT_OFFSET)));
    }
}
