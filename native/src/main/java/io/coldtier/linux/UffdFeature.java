package io.coldtier.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * UFFD_FEATURE_* bits of {@code uffdio_api.features} (linux/userfaultfd.h; bits 17/18 from the
 * RWP series, rwp-uapi.md §1). DO NOT CHANGE THESE VALUES: they are kernel ABI.
 *
 * <p>Beware the stale linux-mm header where bits 17/18 meant MINOR_ANON/MINOR_ASYNC; the names
 * below follow the RWP series v1–v10, which all agree.
 */
public final class UffdFeature {
    public static final long PAGEFAULT_FLAG_WP = 1L << 0;
    public static final long EVENT_FORK = 1L << 1;
    public static final long EVENT_REMAP = 1L << 2;
    public static final long EVENT_REMOVE = 1L << 3;
    public static final long MISSING_HUGETLBFS = 1L << 4;
    public static final long MISSING_SHMEM = 1L << 5;
    public static final long EVENT_UNMAP = 1L << 6;
    public static final long SIGBUS = 1L << 7;
    public static final long THREAD_ID = 1L << 8;
    public static final long MINOR_HUGETLBFS = 1L << 9;
    public static final long MINOR_SHMEM = 1L << 10;
    public static final long EXACT_ADDRESS = 1L << 11;
    public static final long WP_HUGETLBFS_SHMEM = 1L << 12;
    public static final long WP_UNPOPULATED = 1L << 13;
    public static final long POISON = 1L << 14;
    public static final long WP_ASYNC = 1L << 15;
    public static final long MOVE = 1L << 16;
    public static final long RWP = 1L << 17;
    public static final long RWP_ASYNC = 1L << 18;

    private static final String[] NAMES = {
        "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS",
        "MISSING_SHMEM", "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM",
        "EXACT_ADDRESS", "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
        "RWP", "RWP_ASYNC",
    };

    private UffdFeature() {}

    /** {@code "UFFD_FEATURE_RWP"} for bit 17, {@code "UFFD_FEATURE_BIT_40"} for bits we don't know. */
    public static String name(int bit) {
        return bit >= 0 && bit < NAMES.length ? "UFFD_FEATURE_" + NAMES[bit] : "UFFD_FEATURE_BIT_" + bit;
    }

    /** Names of every bit set in {@code features}, lowest first. */
    public static List<String> names(long features) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                out.add(name(bit));
            }
        }
        return out;
    }

    /** {@code "UFFD_FEATURE_RWP (bit 17) and UFFD_FEATURE_RWP_ASYNC (bit 18)"}. */
    public static String describe(long features) {
        List<String> parts = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                parts.add(name(bit) + " (bit " + bit + ")");
            }
        }
        if (parts.isEmpty()) {
            return "no feature";
        }
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.getLast();
    }
}
