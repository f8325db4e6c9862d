package io.coldtier.linux;

/** Kinds of guest-memory backing, as the kernel's userfaultfd code distinguishes them. */
public enum MemoryType {
    /** Private anonymous memory (MAP_ANONYMOUS). */
    ANON("anon"),
    /** memfd / shmem / tmpfs, MAP_SHARED, 4 KiB pages. */
    SHMEM("shmem/memfd"),
    /** hugetlbfs or memfd with MFD_HUGETLB, 2 MiB pages. */
    HUGETLBFS("hugetlbfs");

    private final String label;

    MemoryType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
