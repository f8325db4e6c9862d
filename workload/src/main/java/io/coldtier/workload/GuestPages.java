package io.coldtier.workload;

/**
 * A run of guest memory: {@code pageCount} pages of {@code pageSize} bytes starting at {@code base}.
 *
 * <p>Only address arithmetic lives here. The addresses are never dereferenced from Java: guest
 * pages may be registered with a userfaultfd resolved in this JVM, so every access goes through a
 * libc downcall (see {@link Workload}).
 *
 * @param base     virtual address of page 0, aligned to {@code pageSize} (mmap guarantees this for
 *                 hugetlb mappings; 4 KiB mappings are always page aligned)
 * @param pageCount number of pages, at least 1 and at most {@link Integer#MAX_VALUE} (ground truth
 *                 uses 32-bit RoaringBitmap page ids)
 * @param pageSize {@link #SMALL_PAGE} or {@link #HUGE_PAGE}
 */
public record GuestPages(long base, long pageCount, long pageSize) {
    public static final long SMALL_PAGE = 4096;
    public static final long HUGE_PAGE = 2L << 20;

    public GuestPages {
        if (pageSize != SMALL_PAGE && pageSize != HUGE_PAGE) {
            throw new IllegalArgumentException("page size " + pageSize + " is neither 4 KiB nor 2 MiB");
        }
        if (base == 0 || base % pageSize != 0) {
            throw new IllegalArgumentException("base 0x" + Long.toHexString(base) + " is not a non-null multiple of "
                    + pageSize);
        }
        if (pageCount < 1 || pageCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count " + pageCount + " is not in [1, 2^31)");
        }
    }

    /** 4 KiB pages covering {@code bytes} bytes at {@code base} (e.g. a {@code Mapping}). */
    public static GuestPages small(long base, long bytes) {
        return of(base, bytes, SMALL_PAGE);
    }

    /** Pages of {@code pageSize} covering {@code bytes} bytes, which must be a whole number of pages. */
    public static GuestPages of(long base, long bytes, long pageSize) {
        if (bytes <= 0 || bytes % pageSize != 0) {
            throw new IllegalArgumentException(bytes + " bytes is not a positive multiple of " + pageSize);
        }
        return new GuestPages(base, bytes / pageSize, pageSize);
    }

    /** The address of the first byte of {@code page}. */
    public long address(long page) {
        if (page < 0 || page >= pageCount) {
            throw new IndexOutOfBoundsException("page " + page + " outside [0, " + pageCount + ")");
        }
        return base + page * pageSize;
    }

    /** Total bytes covered. */
    public long bytes() {
        return pageCount * pageSize;
    }
}
