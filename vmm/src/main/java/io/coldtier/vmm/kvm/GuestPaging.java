package io.coldtier.vmm.kvm;

/**
 * The page size of the guest's own (identity) page tables. It changes how many guest page-table
 * pages exist (4 KiB: one page table per 2 MiB, i.e. 2 MiB of tables per GiB; 2 MiB: one page
 * directory per GiB), not the granularity at which the host backs, faults or evicts guest
 * memory: kvm_pvm shadows the guest tables and the memfd has 4 KiB pages either way.
 */
public enum GuestPaging {
    /** Four-level tables down to 4 KiB page tables. */
    PAGE_4K,
    /** Page-directory entries with PS=1 (2 MiB pages); no page tables. */
    PAGE_2M
}
