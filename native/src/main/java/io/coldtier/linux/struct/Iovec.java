package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * One scatter/gather element ({@code sys/uio.h}), as used by {@code msghdr.msg_iov}. The pointer
 * is exposed as a raw address ({@link MemorySegment#address()}).
 *
 * {@snippet lang=c :
 * struct iovec {
 *     void  *iov_base;
 *     size_t iov_len;
 * };
 * }
 */
public final class Iovec {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long BASE_OFFSET = offset("iov_base");
    public static final long LEN_OFFSET = offset("iov_len");

    private Iovec() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    /** The {@code index}-th element of an {@code iovec} array. */
    public static MemorySegment at(MemorySegment vec, long index) {
        return vec.asSlice(index * SIZE, SIZE);
    }

    public static long base(MemorySegment s) {
        return s.get(JAVA_LONG, BASE_OFFSET);
    }

    public static void base(MemorySegment s, long v) {
        s.set(JAVA_LONG, BASE_OFFSET, v);
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
