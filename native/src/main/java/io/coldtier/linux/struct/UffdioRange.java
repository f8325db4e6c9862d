package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code UFFDIO_UNREGISTER} and {@code UFFDIO_WAKE} ({@code linux/userfaultfd.h}),
 * and the leading member of most other uffdio structs.
 *
 * {@snippet lang=c :
 * struct uffdio_range {
 *     __u64 start;
 *     __u64 len;
 * };
 * }
 */
public final class UffdioRange {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("start"),
            JAVA_LONG.withName("len"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long START_OFFSET = offset("start");
    public static final long LEN_OFFSET = offset("len");

    private UffdioRange() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long start(MemorySegment s) {
        return s.get(JAVA_LONG, START_OFFSET);
    }

    public static void start(MemorySegment s, long v) {
        s.set(JAVA_LONG, START_OFFSET, v);
    }

    public static long len(MemorySegment s) {
        return s.get(JAVA_LONG, LEN_OFFSET);
    }

    public static void len(MemorySegment s, long v) {
        s.set(JAVA_LONG, LEN_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
