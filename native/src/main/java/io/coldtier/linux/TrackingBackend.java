package io.coldtier.linux;

/** How working-set tracking is done; chosen at run time from the kernel's feature bits. */
public enum TrackingBackend {
    /** userfaultfd RWP (read-write protect) series: UFFDIO_RWPROTECT + RWP_ASYNC + PAGE_IS_ACCESSED. */
    RWP,
    /** Stock kernels ≥ 6.7: zap PTEs, MISSING|WP registration, UFFDIO_WRITEPROTECT freeze, PAGE_IS_PRESENT. */
    ZAP;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
