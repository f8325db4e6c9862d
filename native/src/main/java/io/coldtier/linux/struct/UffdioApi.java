package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code UFFDIO_API} ({@code linux/userfaultfd.h}): the caller asks for an API
 * version and features, the kernel answers with every feature it has and the API-level ioctls.
 *
 * {@snippet lang=c :
 * struct uffdio_api {
 *     __u64 api;       // in: UFFD_API (0xAA)
 *     __u64 features;  // in: requested, out: available
 *     __u64 ioctls;    // out
 * };
 * }
 */
public final class UffdioApi {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("api"),
            JAVA_LONG.withName("features"),
            JAVA_LONG.withName("ioctls"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long API_OFFSET = offset("api");
    public static final long FEATURES_OFFSET = offset("features");
    public static final long IOCTLS_OFFSET = offset("ioctls");

    private UffdioApi() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long api(MemorySegment s) {
        return s.get(JAVA_LONG, API_OFFSET);
    }

    public static void api(MemorySegment s, long v) {
        s.set(JAVA_LONG, API_OFFSET, v);
    }

    public static long features(MemorySegment s) {
        return s.get(JAVA_LONG, FEATURES_OFFSET);
    }

    public static void features(MemorySegment s, long v) {
        s.set(JAVA_LONG, FEATURES_OFFSET, v);
    }

    public static long ioctls(MemorySegment s) {
        return s.get(JAVA_LONG, IOCTLS_OFFSET);
    }

    public static void ioctls(MemorySegment s, long v) {
        s.set(JAVA_LONG, IOCTLS_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
