package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * One message read from a userfaultfd ({@code linux/userfaultfd.h}). {@code read(2)} returns
 * whole 32-byte records; {@link #at} slices one out of a batch buffer.
 *
 * <p>The C struct is declared packed, but every field falls on its natural alignment anyway, so
 * the layout below has the same offsets. The accessors flatten the {@code arg} union: use the
 * {@code pagefault*} ones for {@code UFFD_EVENT_PAGEFAULT}, {@code forkUfd} for {@code FORK},
 * {@code remap*} for {@code REMAP}, and {@code remove*} for {@code REMOVE} and {@code UNMAP}.
 *
 * {@snippet lang=c :
 * struct uffd_msg {
 *     __u8  event;       // UFFD_EVENT_*
 *     __u8  reserved1;
 *     __u16 reserved2;
 *     __u32 reserved3;
 *     union {
 *         struct {
 *             __u64 flags;    // UFFD_PAGEFAULT_FLAG_*
 *             __u64 address;
 *             union {
 *                 __u32 ptid;  // with UFFD_FEATURE_THREAD_ID
 *             } feat;
 *         } pagefault;
 *         struct {
 *             __u32 ufd;
 *         } fork;
 *         struct {
 *             __u64 from;
 *             __u64 to;
 *             __u64 len;
 *         } remap;
 *         struct {
 *             __u64 start;
 *             __u64 end;
 *         } remove;          // also UFFD_EVENT_UNMAP
 *         struct {
 *             __u64 reserved1;
 *             __u64 reserved2;
 *             __u64 reserved3;
 *         } reserved;
 *     } arg;
 * } __attribute__((packed));
 * }
 */
public final class UffdMsg {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("event"),
            JAVA_BYTE.withName("reserved1"),
            JAVA_SHORT.withName("reserved2"),
            JAVA_INT.withName("reserved3"),
            MemoryLayout.unionLayout(
                    MemoryLayout.structLayout(
                            JAVA_LONG.withName("flags"),
                            JAVA_LONG.withName("address"),
                            MemoryLayout.unionLayout(JAVA_INT.withName("ptid")).withName("feat"),
                            MemoryLayout.paddingLayout(4)).withName("pagefault"),
                    MemoryLayout.structLayout(
                            JAVA_INT.withName("ufd")).withName("fork"),
                    MemoryLayout.structLayout(
                            JAVA_LONG.withName("from"),
                            JAVA_LONG.withName("to"),
                            JAVA_LONG.withName("len")).withName("remap"),
                    MemoryLayout.structLayout(
                            JAVA_LONG.withName("start"),
                            JAVA_LONG.withName("end")).withName("remove"),
                    MemoryLayout.structLayout(
                            JAVA_LONG.withName("reserved1"),
                            JAVA_LONG.withName("reserved2"),
                            JAVA_LONG.withName("reserved3")).withName("reserved")).withName("arg"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long EVENT_OFFSET = offset("event");
    public static final long PAGEFAULT_FLAGS_OFFSET = argOffset("pagefault", "flags");
    public static final long PAGEFAULT_ADDRESS_OFFSET = argOffset("pagefault", "address");
    public static final long PAGEFAULT_PTID_OFFSET = argOffset("pagefault", "feat", "ptid");
    public static final long FORK_UFD_OFFSET = argOffset("fork", "ufd");
    public static final long REMAP_FROM_OFFSET = argOffset("remap", "from");
    public static final long REMAP_TO_OFFSET = argOffset("remap", "to");
    public static final long REMAP_LEN_OFFSET = argOffset("remap", "len");
    public static final long REMOVE_START_OFFSET = argOffset("remove", "start");
    public static final long REMOVE_END_OFFSET = argOffset("remove", "end");

    private UffdMsg() {
    }

    /** A zeroed message (for tests and fakes; the kernel fills real ones). */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    /** The {@code index}-th 32-byte record of a buffer filled by {@code read(2)}. */
    public static MemorySegment at(MemorySegment buffer, int index) {
        return buffer.asSlice(index * SIZE, SIZE);
    }

    public static byte event(MemorySegment s) {
        return s.get(JAVA_BYTE, EVENT_OFFSET);
    }

    public static void event(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, EVENT_OFFSET, v);
    }

    public static long pagefaultFlags(MemorySegment s) {
        return s.get(JAVA_LONG, PAGEFAULT_FLAGS_OFFSET);
    }

    public static void pagefaultFlags(MemorySegment s, long v) {
        s.set(JAVA_LONG, PAGEFAULT_FLAGS_OFFSET, v);
    }

    public static long pagefaultAddress(MemorySegment s) {
        return s.get(JAVA_LONG, PAGEFAULT_ADDRESS_OFFSET);
    }

    public static void pagefaultAddress(MemorySegment s, long v) {
        s.set(JAVA_LONG, PAGEFAULT_ADDRESS_OFFSET, v);
    }

    public static int pagefaultPtid(MemorySegment s) {
        return s.get(JAVA_INT, PAGEFAULT_PTID_OFFSET);
    }

    public static void pagefaultPtid(MemorySegment s, int v) {
        s.set(JAVA_INT, PAGEFAULT_PTID_OFFSET, v);
    }

    public static int forkUfd(MemorySegment s) {
        return s.get(JAVA_INT, FORK_UFD_OFFSET);
    }

    public static void forkUfd(MemorySegment s, int v) {
        s.set(JAVA_INT, FORK_UFD_OFFSET, v);
    }

    public static long remapFrom(MemorySegment s) {
        return s.get(JAVA_LONG, REMAP_FROM_OFFSET);
    }

    public static void remapFrom(MemorySegment s, long v) {
        s.set(JAVA_LONG, REMAP_FROM_OFFSET, v);
    }

    public static long remapTo(MemorySegment s) {
        return s.get(JAVA_LONG, REMAP_TO_OFFSET);
    }

    public static void remapTo(MemorySegment s, long v) {
        s.set(JAVA_LONG, REMAP_TO_OFFSET, v);
    }

    public static long remapLen(MemorySegment s) {
        return s.get(JAVA_LONG, REMAP_LEN_OFFSET);
    }

    public static void remapLen(MemorySegment s, long v) {
        s.set(JAVA_LONG, REMAP_LEN_OFFSET, v);
    }

    public static long removeStart(MemorySegment s) {
        return s.get(JAVA_LONG, REMOVE_START_OFFSET);
    }

    public static void removeStart(MemorySegment s, long v) {
        s.set(JAVA_LONG, REMOVE_START_OFFSET, v);
    }

    public static long removeEnd(MemorySegment s) {
        return s.get(JAVA_LONG, REMOVE_END_OFFSET);
    }

    public static void removeEnd(MemorySegment s, long v) {
        s.set(JAVA_LONG, REMOVE_END_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }

    /** Offset of {@code arg.<names...>}. */
    private static long argOffset(String... names) {
        PathElement[] path = new PathElement[names.length + 1];
        path[0] = PathElement.groupElement("arg");
        for (int i = 0; i < names.length; i++) {
            path[i + 1] = PathElement.groupElement(names[i]);
        }
        return LAYOUT.byteOffset(path);
    }
}
