package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Arrays;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The general-purpose registers of a vCPU, {@code KVM_GET_REGS}/{@code KVM_SET_REGS}
 * ({@code asm/kvm.h}, x86). Eighteen {@code __u64} in the order of {@link Reg}.
 *
 * {@snippet lang=c :
 * struct kvm_regs {
 *     __u64 rax, rbx, rcx, rdx;
 *     __u64 rsi, rdi, rsp, rbp;
 *     __u64 r8,  r9,  r10, r11;
 *     __u64 r12, r13, r14, r15;
 *     __u64 rip, rflags;
 * };
 * }
 */
public final class KvmRegs {
    /** The fields in struct order; the offset of each is {@code ordinal() * 8}. */
    public enum Reg {
        RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, RFLAGS;

        public long offset() {
            return ordinal() * 8L;
        }

        /** The C member name ({@code rflags}). */
        public String cName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(Arrays.stream(Reg.values())
            .map(r -> JAVA_LONG.withName(r.cName()))
            .toArray(MemoryLayout[]::new));

    public static final long SIZE = LAYOUT.byteSize();

    private KvmRegs() {}

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long get(MemorySegment s, Reg r) {
        return s.get(JAVA_LONG, r.offset());
    }

    public static void set(MemorySegment s, Reg r, long v) {
        s.set(JAVA_LONG, r.offset(), v);
    }
}
