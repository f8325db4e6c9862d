package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code UFFDIO_WRITEPROTECT} ({@code linux/userfaultfd.h}). The nested
 * {@code range} is flattened into {@code start} and {@code len}.
 *
 * {@snippet lang=c :
 * struct uffdio_writeprotect {
 *     struct uffdio_range range;  // start, len
 *     __u64 mode;                 // UFFDIO_WRITEPROTECT_MODE_WP, _DONTWAKE
 * };
 * }
 */
public final class UffdioWriteprotect {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("start"),
            JAVA_LONG.withName("len"),
            JAVA_LONG.withName("mode"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long START_OFFSET = offset("start");
    public static final long LEN_OFFSET = offset("len");
    public static final long MODE_OFFSET = offset("mode");

    private UffdioWriteprotect() {
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

    public static long mode(MemorySegment s) {
        return s.get(JAVA_LONG, MODE_OFFSET);
    }

    public static void mode(MemorySegment s, long v) {
        s.set(JAVA_LONG, MODE_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
