package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code sendmsg(2)}/{@code recvmsg(2)} ({@code sys/socket.h}), glibc on x86-64:
 * 56 bytes with 4 bytes of padding after {@code msg_namelen} and after {@code msg_flags}.
 * Pointers are exposed as raw addresses.
 *
 * {@snippet lang=c :
 * struct msghdr {
 *     void         *msg_name;
 *     socklen_t     msg_namelen;
 *     struct iovec *msg_iov;
 *     size_t        msg_iovlen;
 *     void         *msg_control;
 *     size_t        msg_controllen;
 *     int           msg_flags;
 * };
 * }
 */
public final class Msghdr {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            JAVA_LONG.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long NAME_OFFSET = offset("msg_name");
    public static final long NAMELEN_OFFSET = offset("msg_namelen");
    public static final long IOV_OFFSET = offset("msg_iov");
    public static final long IOVLEN_OFFSET = offset("msg_iovlen");
    public static final long CONTROL_OFFSET = offset("msg_control");
    public static final long CONTROLLEN_OFFSET = offset("msg_controllen");
    public static final long FLAGS_OFFSET = offset("msg_flags");

    private Msghdr() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long name(MemorySegment s) {
        return s.get(JAVA_LONG, NAME_OFFSET);
    }

    public static void name(MemorySegment s, long v) {
        s.set(JAVA_LONG, NAME_OFFSET, v);
    }

    public static int namelen(MemorySegment s) {
        return s.get(JAVA_INT, NAMELEN_OFFSET);
    }

    public static void namelen(MemorySegment s, int v) {
        s.set(JAVA_INT, NAMELEN_OFFSET, v);
    }

    public static long iov(MemorySegment s) {
        return s.get(JAVA_LONG, IOV_OFFSET);
    }

    public static void iov(MemorySegment s, long v) {
        s.set(JAVA_LONG, IOV_OFFSET, v);
    }

    public static long iovlen(MemorySegment s) {
        return s.get(JAVA_LONG, IOVLEN_OFFSET);
    }

    public static void iovlen(MemorySegment s, long v) {
        s.set(JAVA_LONG, IOVLEN_OFFSET, v);
    }

    public static long control(MemorySegment s) {
        return s.get(JAVA_LONG, CONTROL_OFFSET);
    }

    public static void control(MemorySegment s, long v) {
        s.set(JAVA_LONG, CONTROL_OFFSET, v);
    }

    public static long controllen(MemorySegment s) {
        return s.get(JAVA_LONG, CONTROLLEN_OFFSET);
    }

    public static void controllen(MemorySegment s, long v) {
        s.set(JAVA_LONG, CONTROLLEN_OFFSET, v);
    }

    public static int flags(MemorySegment s) {
        return s.get(JAVA_INT, FLAGS_OFFSET);
    }

    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, FLAGS_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
