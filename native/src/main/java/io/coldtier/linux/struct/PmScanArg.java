package io.coldtier.linux.struct;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * The argument of {@code PAGEMAP_SCAN} = {@code _IOWR('f', 16, struct pm_scan_arg)} =
 * {@code 0xC0606610} on {@code /proc/<pid>/pagemap} ({@code linux/fs.h}, Linux 6.7+).
 *
 * <p>The scan stops early when {@code vec} fills up; the kernel writes {@code walk_end}, so loop
 * until {@code walk_end == end}.
 *
 * {@snippet lang=c :
 * struct pm_scan_arg {
 *     __u64 size;                 // sizeof(struct pm_scan_arg)
 *     __u64 flags;                // PM_SCAN_WP_MATCHING, PM_SCAN_CHECK_WPASYNC
 *     __u64 start;
 *     __u64 end;
 *     __u64 walk_end;             // out
 *     __u64 vec;                  // struct page_region *
 *     __u64 vec_len;              // entries in vec
 *     __u64 max_pages;            // 0 = no limit
 *     __u64 category_inverted;
 *     __u64 category_mask;
 *     __u64 category_anyof_mask;
 *     __u64 return_mask;
 * };
 * }
 */
public final class PmScanArg {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("start"),
            JAVA_LONG.withName("end"),
            JAVA_LONG.withName("walk_end"),
            JAVA_LONG.withName("vec"),
            JAVA_LONG.withName("vec_len"),
            JAVA_LONG.withName("max_pages"),
            JAVA_LONG.withName("category_inverted"),
            JAVA_LONG.withName("category_mask"),
            JAVA_LONG.withName("category_anyof_mask"),
            JAVA_LONG.withName("return_mask"));

    public static final long SIZE = LAYOUT.byteSize();
    public static final long SIZE_OFFSET = offset("size");
    public static final long FLAGS_OFFSET = offset("flags");
    public static final long START_OFFSET = offset("start");
    public static final long END_OFFSET = offset("end");
    public static final long WALK_END_OFFSET = offset("walk_end");
    public static final long VEC_OFFSET = offset("vec");
    public static final long VEC_LEN_OFFSET = offset("vec_len");
    public static final long MAX_PAGES_OFFSET = offset("max_pages");
    public static final long CATEGORY_INVERTED_OFFSET = offset("category_inverted");
    public static final long CATEGORY_MASK_OFFSET = offset("category_mask");
    public static final long CATEGORY_ANYOF_MASK_OFFSET = offset("category_anyof_mask");
    public static final long RETURN_MASK_OFFSET = offset("return_mask");

    private PmScanArg() {
    }

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long size(MemorySegment s) {
        return s.get(JAVA_LONG, SIZE_OFFSET);
    }

    public static void size(MemorySegment s, long v) {
        s.set(JAVA_LONG, SIZE_OFFSET, v);
    }

    public static long flags(MemorySegment s) {
        return s.get(JAVA_LONG, FLAGS_OFFSET);
    }

    public static void flags(MemorySegment s, long v) {
        s.set(JAVA_LONG, FLAGS_OFFSET, v);
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

    public static long walkEnd(MemorySegment s) {
        return s.get(JAVA_LONG, WALK_END_OFFSET);
    }

    public static void walkEnd(MemorySegment s, long v) {
        s.set(JAVA_LONG, WALK_END_OFFSET, v);
    }

    public static long vec(MemorySegment s) {
        return s.get(JAVA_LONG, VEC_OFFSET);
    }

    public static void vec(MemorySegment s, long v) {
        s.set(JAVA_LONG, VEC_OFFSET, v);
    }

    public static long vecLen(MemorySegment s) {
        return s.get(JAVA_LONG, VEC_LEN_OFFSET);
    }

    public static void vecLen(MemorySegment s, long v) {
        s.set(JAVA_LONG, VEC_LEN_OFFSET, v);
    }

    public static long maxPages(MemorySegment s) {
        return s.get(JAVA_LONG, MAX_PAGES_OFFSET);
    }

    public static void maxPages(MemorySegment s, long v) {
        s.set(JAVA_LONG, MAX_PAGES_OFFSET, v);
    }

    public static long categoryInverted(MemorySegment s) {
        return s.get(JAVA_LONG, CATEGORY_INVERTED_OFFSET);
    }

    public static void categoryInverted(MemorySegment s, long v) {
        s.set(JAVA_LONG, CATEGORY_INVERTED_OFFSET, v);
    }

    public static long categoryMask(MemorySegment s) {
        return s.get(JAVA_LONG, CATEGORY_MASK_OFFSET);
    }

    public static void categoryMask(MemorySegment s, long v) {
        s.set(JAVA_LONG, CATEGORY_MASK_OFFSET, v);
    }

    public static long categoryAnyofMask(MemorySegment s) {
        return s.get(JAVA_LONG, CATEGORY_ANYOF_MASK_OFFSET);
    }

    public static void categoryAnyofMask(MemorySegment s, long v) {
        s.set(JAVA_LONG, CATEGORY_ANYOF_MASK_OFFSET, v);
    }

    public static long returnMask(MemorySegment s) {
        return s.get(JAVA_LONG, RETURN_MASK_OFFSET);
    }

    public static void returnMask(MemorySegment s, long v) {
        s.set(JAVA_LONG, RETURN_MASK_OFFSET, v);
    }

    private static long offset(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
