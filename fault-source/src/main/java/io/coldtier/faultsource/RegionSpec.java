package io.coldtier.faultsource;

/**
 * One guest-memory region as the VMM lays it out: guest-physical base, size, where it is mapped
 * in the VMM's address space, which memfd backs it and at what offset, and its page size
 * (4 KiB shmem or 2 MiB hugetlbfs). For memory the engine creates itself, {@code hostAddress}
 * is 0 and filled in at creation.
 */
public record RegionSpec(long guestPhysBase, long size, long hostAddress, int memfdIndex, long memfdOffset,
                         long pageSize) {
    public static final long PAGE_4K = 4096, PAGE_2M = 2L << 20;

    public RegionSpec {
        if (pageSize != PAGE_4K && pageSize != PAGE_2M) {
            throw new IllegalArgumentException("page size must be 4 KiB or 2 MiB, got " + pageSize);
        }
        if (size <= 0 || size % pageSize != 0) {
            throw new IllegalArgumentException("region size " + size + " is not a positive multiple of " + pageSize);
        }
        if (guestPhysBase % pageSize != 0 || hostAddress % pageSize != 0 || memfdOffset % pageSize != 0) {
            throw new IllegalArgumentException("region base, host address and memfd offset must be "
                    + pageSize + "-aligned");
        }
        if (memfdIndex < 0 || memfdOffset < 0) {
            throw new IllegalArgumentException("negative memfd index or offset");
        }
    }

    /** A region the engine creates itself, backed by its own memfd. */
    public static RegionSpec local(long guestPhysBase, long size, long pageSize) {
        return new RegionSpec(guestPhysBase, size, 0, 0, 0, pageSize);
    }

    public long pages() {
        return size / pageSize;
    }
}
