package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * One result of {@code PAGEMAP_SCAN} ({@code linux/fs.h}, Linux 6.7+): a run of pages with the
 * same categories. {@code end} is exclusive.
 *
 * {@snippet lang=c :
 * struct page_region {
 *     __u64 start;
 *     __u64 end;         // exclusive
 *     __u64 categories;  // PAGE_IS_* bits, masked by return_mask
 * };
 * }
 */
public final class PageRegion {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("start"),
            JAVA_LONG.withName("end"),
            JAVA_LONG.withName("categories"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long START_OFFSET = offset("start");
    public static final long END_OFFSET = offset("end");
    public static final long CATEGORIES_OFFSET = offset("categories");

    private PageRegion() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    /** The {@code index}-th element of a {@code page_region} array such as {@code pm_scan_arg.vec}. */
    public static MemorySegment at(MemorySegment vec, long index) {
        return vec.asSlice(index * SIZE, SIZE);
    }

    public static long start(MemorySegment s) {
        return s.get(JAVA_LONG, START_OFFSET);
    }

    public static void start(MemorySegment s, long v) {
        s.set(JAVA_LONG, START_OFFSET, v);
    }

    public static long end(MemorySegment s) {
        return s.get(JAVA_LONG, END_OFFSET);
    }

    public static void end(MemorySegment s, long v) {
        s.set(JAVA_LONG, END_OFFSET, v);
    }

    public static long categories(MemorySegment s) {
        return s.get(JAVA_LONG, CATEGORIES_OFFSET);
    }

    public static void categories(MemorySegment s, long v) {
        s.set(JAVA_LONG, CATEGORIES_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
