package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The header of one ancillary-data item ({@code sys/socket.h}, glibc on x86-64), e.g. the
 * {@code SCM_RIGHTS} message that carries a userfaultfd between processes. The data follows the
 * header at {@link #DATA_OFFSET}; {@link #align}, {@link #space} and {@link #length} mirror the
 * {@code CMSG_ALIGN}, {@code CMSG_SPACE} and {@code CMSG_LEN} macros.
 *
 * {@snippet lang=c :
 * struct cmsghdr {
 *     size_t cmsg_len;    // CMSG_LEN(data length)
 *     int    cmsg_level;  // e.g. SOL_SOCKET
 *     int    cmsg_type;   // e.g. SCM_RIGHTS
 *     // unsigned char __cmsg_data[];
 * };
 * }
 */
public final class Cmsghdr {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long LEN_OFFSET = offset("cmsg_len");
    public static final long LEVEL_OFFSET = offset("cmsg_level");
    public static final long TYPE_OFFSET = offset("cmsg_type");

    /** {@code CMSG_DATA(c) - (unsigned char *) c}: the header rounded up to {@code size_t}. */
    public static final long DATA_OFFSET = 16;

    private Cmsghdr() {
    }

    /** A zeroed header. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    /** {@code CMSG_ALIGN(n)}: {@code n} rounded up to a multiple of {@code sizeof(size_t)} (8). */
    public static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** {@code CMSG_SPACE(dataLen)}: bytes one item takes in a control buffer, padding included. */
    public static long space(long dataLen) {
        return align(DATA_OFFSET) + align(dataLen);
    }

    /** {@code CMSG_LEN(dataLen)}: the value for {@code cmsg_len}. */
    public static long length(long dataLen) {
        return DATA_OFFSET + dataLen;
    }

    public static long len(MemorySegment s) {
        return s.get(JAVA_LONG, LEN_OFFSET);
    }

    public static void len(MemorySegment s, long v) {
        s.set(JAVA_LONG, LEN_OFFSET, v);
    }

    public static int level(MemorySegment s) {
        return s.get(JAVA_INT, LEVEL_OFFSET);
    }

    public static void level(MemorySegment s, int v) {
        s.set(JAVA_INT, LEVEL_OFFSET, v);
    }

    public static int type(MemorySegment s) {
        return s.get(JAVA_INT, TYPE_OFFSET);
    }

    public static void type(MemorySegment s, int v) {
        s.set(JAVA_INT, TYPE_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
