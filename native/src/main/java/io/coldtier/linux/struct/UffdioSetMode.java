package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code UFFDIO_SET_MODE} = {@code _IOW(0xAA, 0x0A, ...)} = {@code 0x4010AA0A}
 * from the userfaultfd RWP series (not in any released header; see {@code rwp-uapi.md} section 1).
 * Write-only: the kernel writes nothing back.
 *
 * {@snippet lang=c :
 * struct uffdio_set_mode {
 *     __u64 enable;   // feature bits to switch on, e.g. UFFD_FEATURE_RWP_ASYNC
 *     __u64 disable;  // feature bits to switch off
 * };
 * }
 */
public final class UffdioSetMode {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("enable"),
            JAVA_LONG.withName("disable"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long ENABLE_OFFSET = offset("enable");
    public static final long DISABLE_OFFSET = offset("disable");

    private UffdioSetMode() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long enable(MemorySegment s) {
        return s.get(JAVA_LONG, ENABLE_OFFSET);
    }

    public static void enable(MemorySegment s, long v) {
        s.set(JAVA_LONG, ENABLE_OFFSET, v);
    }

    public static long disable(MemorySegment s) {
        return s.get(JAVA_LONG, DISABLE_OFFSET);
    }

    public static void disable(MemorySegment s, long v) {
        s.set(JAVA_LONG, DISABLE_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
