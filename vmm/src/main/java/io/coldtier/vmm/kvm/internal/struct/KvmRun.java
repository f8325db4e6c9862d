package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The head of the per-vCPU {@code struct kvm_run} that {@code mmap(vcpu_fd)} shares with the
 * kernel ({@code linux/kvm.h}). Only the fields this VMM reads are laid out: the fixed head and
 * the exit-reason union members {@code io}, {@code fail_entry}, {@code internal} and {@code hw}
 * (all at offset 32, the start of the union). The mapping itself is {@code KVM_GET_VCPU_MMAP_SIZE}
 * bytes; this layout covers its first 48.
 *
 * {@snippet lang=c :
 * struct kvm_run {
 *     __u8 request_interrupt_window;
 *     __u8 immediate_exit;
 *     __u8 padding1[6];
 *     __u32 exit_reason;
 *     __u8 ready_for_interrupt_injection;
 *     __u8 if_flag;
 *     __u16 flags;
 *     __u64 cr8;
 *     __u64 apic_base;
 *     union {
 *         struct { __u64 hardware_exit_reason; } hw;
 *         struct { __u64 hardware_entry_failure_reason; __u32 cpu; } fail_entry;
 *         struct { __u8 direction; __u8 size; __u16 port; __u32 count; __u64 data_offset; } io;
 *         struct { __u32 suberror; __u32 ndata; __u64 data[16]; } internal;
 *         // ... more exit kinds
 *     };
 *     // ...
 * };
 * }
 */
public final class KvmRun {
    public static final StructLayout IO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("direction"),
            JAVA_BYTE.withName("size"),
            JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("data_offset"));

    public static final StructLayout FAIL_ENTRY = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"),
            JAVA_INT.withName("cpu"),
            MemoryLayout.paddingLayout(4));

    public static final StructLayout INTERNAL = MemoryLayout.structLayout(
            JAVA_INT.withName("suberror"),
            JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data"));

    public static final StructLayout HW = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_exit_reason"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.unionLayout(HW.withName("hw"), FAIL_ENTRY.withName("fail_entry"),
                    IO.withName("io"), INTERNAL.withName("internal")).withName("exit"));

    public static final long IMMEDIATE_EXIT_OFFSET = offset("immediate_exit");
    public static final long EXIT_REASON_OFFSET = offset("exit_reason");
    public static final long UNION_OFFSET = offset("exit");
    public static final long IO_DIRECTION_OFFSET = offset("exit", "io", "direction");
    public static final long IO_SIZE_OFFSET = offset("exit", "io", "size");
    public static final long IO_PORT_OFFSET = offset("exit", "io", "port");
    public static final long IO_COUNT_OFFSET = offset("exit", "io", "count");
    public static final long FAIL_ENTRY_REASON_OFFSET = offset("exit", "fail_entry", "hardware_entry_failure_reason");
    public static final long INTERNAL_SUBERROR_OFFSET = offset("exit", "internal", "suberror");
    public static final long INTERNAL_NDATA_OFFSET = offset("exit", "internal", "ndata");
    public static final long INTERNAL_DATA_OFFSET = offset("exit", "internal", "data");
    public static final long HW_EXIT_REASON_OFFSET = offset("exit", "hw", "hardware_exit_reason");

    private KvmRun() {}

    public static int exitReason(MemorySegment run) {
        return run.get(JAVA_INT, EXIT_REASON_OFFSET);
    }

    public static int ioDirection(MemorySegment run) {
        return run.get(JAVA_BYTE, IO_DIRECTION_OFFSET);
    }

    public static int ioPort(MemorySegment run) {
        return Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT_OFFSET));
    }

    public static long failEntryReason(MemorySegment run) {
        return run.get(JAVA_LONG, FAIL_ENTRY_REASON_OFFSET);
    }

    public static long hardwareExitReason(MemorySegment run) {
        return run.get(JAVA_LONG, HW_EXIT_REASON_OFFSET);
    }

    public static int internalSuberror(MemorySegment run) {
        return run.get(JAVA_INT, INTERNAL_SUBERROR_OFFSET);
    }

    /** The first {@code min(ndata, 16)} words of {@code internal.data}. */
    public static long[] internalData(MemorySegment run) {
        int n = Math.min(16, Math.max(0, run.get(JAVA_INT, INTERNAL_NDATA_OFFSET)));
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = run.get(JAVA_LONG, INTERNAL_DATA_OFFSET + i * 8L);
        }
        return out;
    }

    private static long offset(String... path) {
        PathElement[] p = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            p[i] = PathElement.groupElement(path[i]);
        }
        return LAYOUT.byteOffset(p);
    }
}
