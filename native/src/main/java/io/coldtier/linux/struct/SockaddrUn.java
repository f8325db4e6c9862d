package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Unix-domain socket address ({@code sys/un.h}). Only pathname addresses are supported: the
 * path is written NUL-terminated, so it may hold at most {@value #PATH_MAX_BYTES} bytes of UTF-8.
 *
 * {@snippet lang=c :
 * struct sockaddr_un {
 *     sa_family_t sun_family;  // AF_UNIX
 *     char        sun_path[108];
 * };
 * }
 */
public final class SockaddrUn {

    /** {@code sizeof(sun_path)}. */
    public static final int PATH_CAPACITY = 108;

    /** The longest path that still leaves room for the terminating NUL. */
    public static final int PATH_MAX_BYTES = PATH_CAPACITY - 1;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(PATH_CAPACITY, JAVA_BYTE).withName("sun_path"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long FAMILY_OFFSET = offset("sun_family");
    public static final long PATH_OFFSET = offset("sun_path");

    private SockaddrUn() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static short family(MemorySegment s) {
        return s.get(JAVA_SHORT, FAMILY_OFFSET);
    }

    public static void family(MemorySegment s, short v) {
        s.set(JAVA_SHORT, FAMILY_OFFSET, v);
    }

    /** {@code sun_path} up to the first NUL (or all 108 bytes if there is none), as UTF-8. */
    public static String path(MemorySegment s) {
        int n = 0;
        while (n < PATH_CAPACITY && s.get(JAVA_BYTE, PATH_OFFSET + n) != 0) {
            n++;
        }
        byte[] bytes = s.asSlice(PATH_OFFSET, n).toArray(JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code p} as NUL-terminated UTF-8 into {@code sun_path}.
     *
     * @throws IllegalArgumentException if the encoded path is longer than {@value #PATH_MAX_BYTES} bytes
     */
    public static void path(MemorySegment s, String p) {
        byte[] bytes = p.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > PATH_MAX_BYTES) {
            throw new IllegalArgumentException("unix socket path is " + bytes.length
                    + " bytes of UTF-8, sun_path holds at most " + PATH_MAX_BYTES + ": " + p);
        }
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, PATH_OFFSET, bytes.length);
        s.set(JAVA_BYTE, PATH_OFFSET + bytes.length, (byte) 0);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
