package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The CPUID table of {@code KVM_GET_SUPPORTED_CPUID} and {@code KVM_SET_CPUID2}
 * ({@code asm/kvm.h}): a header followed by {@code nent} entries. The request number encodes only
 * the header size; the kernel reads {@code nent} and then that many entries.
 *
 * {@snippet lang=c :
 * struct kvm_cpuid_entry2 {
 *     __u32 function;
 *     __u32 index;
 *     __u32 flags;
 *     __u32 eax, ebx, ecx, edx;
 *     __u32 padding[3];
 * };
 * struct kvm_cpuid2 {
 *     __u32 nent;
 *     __u32 padding;
 *     struct kvm_cpuid_entry2 entries[];
 * };
 * }
 */
public final class KvmCpuid2 {
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("nent"),
            JAVA_INT.withName("padding"));

    public static final StructLayout ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("function"),
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"),
            JAVA_INT.withName("ebx"),
            JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("padding"));

    public static final long HEADER_SIZE = HEADER.byteSize();
    public static final long ENTRY_SIZE = ENTRY.byteSize();
    public static final long NENT_OFFSET = HEADER.byteOffset(PathElement.groupElement("nent"));

    private KvmCpuid2() {}

    /** A zeroed table with room for {@code capacity} entries and {@code nent = capacity}. */
    public static MemorySegment allocate(SegmentAllocator a, int capacity) {
        MemorySegment s = a.allocate(HEADER_SIZE + capacity * ENTRY_SIZE, 8).fill((byte) 0);
        nent(s, capacity);
        return s;
    }

    public static int nent(MemorySegment s) {
        return s.get(JAVA_INT, NENT_OFFSET);
    }

    public static void nent(MemorySegment s, int v) {
        s.set(JAVA_INT, NENT_OFFSET, v);
    }
}
