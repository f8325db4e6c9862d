package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code UFFDIO_COPY} ({@code linux/userfaultfd.h}).
 *
 * <p>{@code copy} is written by the kernel: the number of bytes copied, or a negative errno.
 * Check it as well as the ioctl return value.
 *
 * {@snippet lang=c :
 * struct uffdio_copy {
 *     __u64 dst;
 *     __u64 src;
 *     __u64 len;
 *     __u64 mode;  // UFFDIO_COPY_MODE_DONTWAKE, UFFDIO_COPY_MODE_WP
 *     __s64 copy;  // out; the kernel does not read it
 * };
 * }
 */
public final class UffdioCopy {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("dst"),
            JAVA_LONG.withName("src"),
            JAVA_LONG.withName("len"),
            JAVA_LONG.withName("mode"),
            JAVA_LONG.withName("copy"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long DST_OFFSET = offset("dst");
    public static final long SRC_OFFSET = offset("src");
    public static final long LEN_OFFSET = offset("len");
    public static final long MODE_OFFSET = offset("mode");
    public static final long COPY_OFFSET = offset("copy");

    private UffdioCopy() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long dst(MemorySegment s) {
        return s.get(JAVA_LONG, DST_OFFSET);
    }

    public static void dst(MemorySegment s, long v) {
        s.set(JAVA_LONG, DST_OFFSET, v);
    }

    public static long src(MemorySegment s) {
        return s.get(JAVA_LONG, SRC_OFFSET);
    }

    public static void src(MemorySegment s, long v) {
        s.set(JAVA_LONG, SRC_OFFSET, v);
    }

    public static long len(MemorySegment s) {
        return s.get(JAVA_LONG, LEN_OFFSET);
    }

    public static void len(MemorySegment s, long v) {
        s.set(JAVA_LONG, LEN_OFFSET, v);
    }

    public static long mode(MemorySegment s) {
        return s.get(JAVA_LONG, MODE_OFFSET);
    }

    public static void mode(MemorySegment s, long v) {
        s.set(JAVA_LONG, MODE_OFFSET, v);
    }

    public static long copy(MemorySegment s) {
        return s.get(JAVA_LONG, COPY_OFFSET);
    }

    public static void copy(MemorySegment s, long v) {
        s.set(JAVA_LONG, COPY_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
