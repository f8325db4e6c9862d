package io.coldtier.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * The pure decision of which tracking backend works for which memory type, from probed facts.
 * Kept apart from the probing so it can be tested against recorded feature words (0x1ffff here,
 * 0x7ffff on an RWP kernel) without that kernel.
 */
public final class BackendDecision {
    /** RWP needs both bits in the same UFFDIO_API call (rwp-uapi.md §1). */
    public static final long RWP_BITS = UffdFeature.RWP | UffdFeature.RWP_ASYNC;

    private BackendDecision() {}

    /**
     * @param features         UFFDIO_API features offered (0 if no uffd could be created)
     * @param uffdReason       null if a uffd without UFFD_USER_MODE_ONLY can be created, else why not
     * @param pagemapScan      PAGEMAP_SCAN exists (Linux 6.7+)
     * @param pageIsAccessed   PAGEMAP_SCAN accepts PAGE_IS_ACCESSED (RWP series)
     */
    public static List<BackendSupport> decide(long features, String uffdReason, boolean pagemapScan,
                                              boolean pageIsAccessed) {
        List<BackendSupport> out = new ArrayList<>();
        for (MemoryType m : MemoryType.values()) {
            out.add(rwp(m, features, uffdReason, pagemapScan, pageIsAccessed));
        }
        for (MemoryType m : MemoryType.values()) {
            out.add(zap(m, features, uffdReason, pagemapScan));
        }
        return out;
    }

    private static BackendSupport rwp(MemoryType m, long features, String uffdReason, boolean scan,
                                      boolean accessed) {
        TrackingBackend b = TrackingBackend.RWP;
        if (uffdReason != null) {
            return new BackendSupport(b, m, false, uffdReason);
        }
        long missing = RWP_BITS & ~features;
        if (missing != 0) {
            return new BackendSupport(b, m, false, "kernel lacks " + UffdFeature.describe(missing));
        }
        if (!scan) {
            return new BackendSupport(b, m, false, "kernel lacks PAGEMAP_SCAN (Linux 6.7+)");
        }
        if (!accessed) {
            return new BackendSupport(b, m, false, "PAGEMAP_SCAN rejects PAGE_IS_ACCESSED (bit 9)");
        }
        return new BackendSupport(b, m, true, "UFFD_FEATURE_RWP + RWP_ASYNC + PAGE_IS_ACCESSED present");
    }

    private static BackendSupport zap(MemoryType m, long features, String uffdReason, boolean scan) {
        TrackingBackend b = TrackingBackend.ZAP;
        if (m == MemoryType.ANON) {
            return new BackendSupport(b, m, false, "anonymous memory cannot be zapped without losing its"
                    + " contents (MADV_DONTNEED discards them); tracking anon needs rwp, and "
                    + ((features & RWP_BITS) == RWP_BITS ? "rwp is offered"
                    : "the kernel lacks " + UffdFeature.describe(RWP_BITS & ~features)));
        }
        if (uffdReason != null) {
            return new BackendSupport(b, m, false, uffdReason);
        }
        if (!scan) {
            return new BackendSupport(b, m, false, "kernel lacks PAGEMAP_SCAN (Linux 6.7+)");
        }
        long need = UffdFeature.WP_HUGETLBFS_SHMEM
                | (m == MemoryType.SHMEM ? UffdFeature.MISSING_SHMEM : UffdFeature.MISSING_HUGETLBFS);
        long missing = need & ~features;
        if (missing != 0) {
            return new BackendSupport(b, m, false, "kernel lacks " + UffdFeature.describe(missing));
        }
        return new BackendSupport(b, m, true, m == MemoryType.SHMEM
                ? "MISSING|WP registration, 4 KiB granularity"
                : "MISSING|WP registration, 2 MiB granularity (needs reserved huge pages)");
    }
}
