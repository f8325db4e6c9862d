package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * One entry of the {@code poll(2)} array ({@code poll.h}).
 *
 * {@snippet lang=c :
 * struct pollfd {
 *     int   fd;
 *     short events;   // requested, e.g. POLLIN
 *     short revents;  // returned
 * };
 * }
 */
public final class Pollfd {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long FD_OFFSET = offset("fd");
    public static final long EVENTS_OFFSET = offset("events");
    public static final long REVENTS_OFFSET = offset("revents");

    private Pollfd() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static int fd(MemorySegment s) {
        return s.get(JAVA_INT, FD_OFFSET);
    }

    public static void fd(MemorySegment s, int v) {
        s.set(JAVA_INT, FD_OFFSET, v);
    }

    public static short events(MemorySegment s) {
        return s.get(JAVA_SHORT, EVENTS_OFFSET);
    }

    public static void events(MemorySegment s, short v) {
        s.set(JAVA_SHORT, EVENTS_OFFSET, v);
    }

    public static short revents(MemorySegment s) {
        return s.get(JAVA_SHORT, REVENTS_OFFSET);
    }

    public static void revents(MemorySegment s, short v) {
        s.set(JAVA_SHORT, REVENTS_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
