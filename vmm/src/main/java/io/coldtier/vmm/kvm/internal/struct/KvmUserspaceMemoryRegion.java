package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The argument of {@code KVM_SET_USER_MEMORY_REGION} ({@code linux/kvm.h}): maps
 * {@code memory_size} bytes of this process at {@code userspace_addr} into the guest at
 * {@code guest_phys_addr}.
 *
 * {@snippet lang=c :
 * struct kvm_userspace_memory_region {
 *     __u32 slot;
 *     __u32 flags;             // KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY
 *     __u64 guest_phys_addr;
 *     __u64 memory_size;       // bytes
 *     __u64 userspace_addr;    // start of the userspace allocated memory
 * };
 * }
 */
public final class KvmUserspaceMemoryRegion {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long SLOT_OFFSET = offset("slot");
    public static final long FLAGS_OFFSET = offset("flags");
    public static final long GUEST_PHYS_ADDR_OFFSET = offset("guest_phys_addr");
    public static final long MEMORY_SIZE_OFFSET = offset("memory_size");
    public static final long USERSPACE_ADDR_OFFSET = offset("userspace_addr");

    private KvmUserspaceMemoryRegion() {}

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static void slot(MemorySegment s, int v) {
        s.set(JAVA_INT, SLOT_OFFSET, v);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }

    public static void guestPhysAddr(MemorySegment s, long v) {
        s.set(JAVA_LONG, GUEST_PHYS_ADDR_OFFSET, v);
    }

    public static void memorySize(MemorySegment s, long v) {
        s.set(JAVA_LONG, MEMORY_SIZE_OFFSET, v);
    }

    public static void userspaceAddr(MemorySegment s, long v) {
        s.set(JAVA_LONG, USERSPACE_ADDR_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
