package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * Peer credentials ({@code sys/socket.h} with {@code _GNU_SOURCE}), returned by
 * {@code getsockopt(SO_PEERCRED)} and carried by {@code SCM_CREDENTIALS}.
 *
 * {@snippet lang=c :
 * struct ucred {
 *     pid_t pid;
 *     uid_t uid;
 *     gid_t gid;
 * };
 * }
 */
public final class Ucred {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long PID_OFFSET = offset("pid");
    public static final long UID_OFFSET = offset("uid");
    public static final long GID_OFFSET = offset("gid");

    private Ucred() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static int pid(MemorySegment s) {
        return s.get(JAVA_INT, PID_OFFSET);
    }

    public static void pid(MemorySegment s, int v) {
        s.set(JAVA_INT, PID_OFFSET, v);
    }

    public static int uid(MemorySegment s) {
        return s.get(JAVA_INT, UID_OFFSET);
    }

    public static void uid(MemorySegment s, int v) {
        s.set(JAVA_INT, UID_OFFSET, v);
    }

    public static int gid(MemorySegment s) {
        return s.get(JAVA_INT, GID_OFFSET);
    }

    public static void gid(MemorySegment s, int v) {
        s.set(JAVA_INT, GID_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
