package io.coldtier.vmm.kvm;

/**
 * The guest-physical memory map. Guest RAM is one memory slot at GPA 0, identity-mapped by the
 * guest page tables (guest-virtual = guest-physical), so every address below is both.
 *
 * <pre>
 * 0x0000_0000  page 0                 unused
 * 0x0000_1000  code                   the guest program (one page)
 * 0x0000_2000  GDT                    null, kernel code/data, user code64/data (DPL3), 64-bit TSS
 * 0x0000_3000  TSS                    64-bit TSS + I/O bitmap allowing only the report ports
 * 0x0001_0000  control blocks         one page per vCPU (inputs, outputs; rsp at its top)
 * 0x0010_0000  page tables            PML4, PDPT, one PD per GiB, (4 KiB paging) one PT per 2 MiB
 * shadowGpa    shadow array           one u64 write count per data page
 * dataGpa      data pages             2 MiB aligned, to the end of RAM; vCPU i owns slice i
 * </pre>
 *
 * Everything below {@link #shadowGpa} is written by the host before the first run ("boot area");
 * the shadow array and the data pages are written only by the guest.
 *
 * @param ramBytes    guest RAM, a multiple of 2 MiB
 * @param vcpus       number of vCPUs (slices)
 * @param paging      guest page-table page size
 * @param tablesPages pages of guest page tables starting at {@link #TABLES_GPA}
 * @param shadowGpa   start of the shadow array
 * @param dataGpa     first data page
 * @param dataPages   number of data pages
 */
public record GuestLayout(long ramBytes, int vcpus, GuestPaging paging, long tablesPages, long shadowGpa,
                          long dataGpa, long dataPages) {
    public static final long PAGE = 4096;
    public static final long HUGE = 2L << 20;
    public static final long GIB = 1L << 30;
    public static final long CODE_GPA = 0x1000;
    public static final long GDT_GPA = 0x2000;
    public static final long TSS_GPA = 0x3000;
    public static final long CTRL_GPA = 0x10000;
    public static final long TABLES_GPA = 0x100000;
    public static final int MAX_VCPUS = 64;
    /** One PDPT maps 512 GiB; a smaller cap keeps the boot image small. */
    public static final long MAX_RAM = 64 * GIB;
    /** Each vCPU needs at least this many data pages. */
    public static final long MIN_PAGES_PER_VCPU = 16;

    public GuestLayout {
        if (dataPages < (long) vcpus * MIN_PAGES_PER_VCPU) {
            throw new IllegalArgumentException(ramBytes + " bytes of guest RAM leave " + dataPages
                    + " data pages, fewer than " + MIN_PAGES_PER_VCPU + " per vCPU for " + vcpus + " vCPUs");
        }
    }

    /** Computes the map for {@code ramBytes} of guest RAM. */
    public static GuestLayout of(long ramBytes, int vcpus, GuestPaging paging) {
        if (ramBytes <= 0 || ramBytes % HUGE != 0 || ramBytes > MAX_RAM) {
            throw new IllegalArgumentException("guest RAM must be a positive multiple of 2 MiB up to 64 GiB: "
                    + ramBytes);
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + MAX_VCPUS + ": " + vcpus);
        }
        long pds = ceilDiv(ramBytes, GIB);
        long pts = paging == GuestPaging.PAGE_4K ? ramBytes / HUGE : 0;
        long tablesPages = 2 + pds + pts;
        long shadowGpa = TABLES_GPA + tablesPages * PAGE;
        // Sized for every page of RAM, which over-provisions by the boot area: simpler than a fixpoint.
        long shadowBytes = alignUp(ramBytes / PAGE * 8, PAGE);
        long dataGpa = alignUp(shadowGpa + shadowBytes, HUGE);
        long dataPages = Math.max(0, (ramBytes - dataGpa) / PAGE);
        return new GuestLayout(ramBytes, vcpus, paging, tablesPages, shadowGpa, dataGpa, dataPages);
    }

    public long ctrlGpa(int vcpu) {
        return CTRL_GPA + vcpu * PAGE;
    }

    public long pml4Gpa() {
        return TABLES_GPA;
    }

    public long pdptGpa() {
        return TABLES_GPA + PAGE;
    }

    /** Page directories, one per GiB of RAM. */
    public long pdCount() {
        return ceilDiv(ramBytes, GIB);
    }

    public long pdGpa(long gib) {
        return TABLES_GPA + (2 + gib) * PAGE;
    }

    /** Page tables (4 KiB paging only), one per 2 MiB of RAM. */
    public long ptCount() {
        return paging == GuestPaging.PAGE_4K ? ramBytes / HUGE : 0;
    }

    public long ptGpa(long index) {
        return TABLES_GPA + (2 + pdCount() + index) * PAGE;
    }

    /** Bytes the host writes before the first run: {@code [0, shadowGpa)}. */
    public long bootBytes() {
        return shadowGpa;
    }

    /** GPA of data page {@code index} (0-based over the whole data area). */
    public long dataPageGpa(long index) {
        if (index < 0 || index >= dataPages) {
            throw new IndexOutOfBoundsException("data page " + index + " of " + dataPages);
        }
        return dataGpa + index * PAGE;
    }

    /** The shadow-array slot of data page {@code index}. */
    public long shadowGpa(long index) {
        return shadowGpa + index * 8;
    }

    /** First data page (index over the data area) of vCPU {@code v}'s slice. */
    public long sliceFirstPage(int v) {
        return dataPages * v / vcpus;
    }

    public long slicePages(int v) {
        return sliceFirstPage(v + 1) - sliceFirstPage(v);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static long alignUp(long v, long to) {
        return (v + to - 1) / to * to;
    }
}
