package io.coldtier.vmm.kvm;

/**
 * What the guest runs: how many vCPUs, the access pattern, how often it reports, and the guest
 * paging mode. The data area is whatever guest RAM is left after the boot structures
 * ({@link GuestLayout}), split evenly between the vCPUs.
 *
 * @param vcpus          1 to {@link GuestLayout#MAX_VCPUS}; one platform thread each
 * @param pattern        the page-selection pattern
 * @param reportEveryOps guest operations between two reports (port-I/O exits); each report is one
 *                       exit and one emulated instruction, and is where pause and stop take effect
 * @param seed           seed of the per-vCPU random generators (mixed with the vCPU index)
 * @param paging         page size of the guest page tables
 */
public record GuestProgram(int vcpus, AccessPattern pattern, long reportEveryOps, long seed, GuestPaging paging) {
    /** About 1–6 ms of guest work per report at native speed (10–95 ns per operation). */
    public static final long DEFAULT_REPORT_EVERY = 1L << 16;

    public GuestProgram {
        if (vcpus < 1 || vcpus > GuestLayout.MAX_VCPUS) {
            throw new IllegalArgumentException("vcpus must be 1.." + GuestLayout.MAX_VCPUS + ": " + vcpus);
        }
        if (pattern == null || paging == null) {
            throw new IllegalArgumentException("pattern and paging are required");
        }
        if (reportEveryOps < 1) {
            throw new IllegalArgumentException("reportEveryOps must be >= 1: " + reportEveryOps);
        }
    }

    /** One vCPU, sequential sweep, a report every 65536 operations, 2 MiB guest pages. */
    public static GuestProgram defaults() {
        return new GuestProgram(1, AccessPattern.sequential(), DEFAULT_REPORT_EVERY, 1, GuestPaging.PAGE_2M);
    }

    public GuestProgram withVcpus(int n) {
        return new GuestProgram(n, pattern, reportEveryOps, seed, paging);
    }

    public GuestProgram withPattern(AccessPattern p) {
        return new GuestProgram(vcpus, p, reportEveryOps, seed, paging);
    }

    public GuestProgram withReportEvery(long ops) {
        return new GuestProgram(vcpus, pattern, ops, seed, paging);
    }

    public GuestProgram withSeed(long s) {
        return new GuestProgram(vcpus, pattern, reportEveryOps, s, paging);
    }

    public GuestProgram withPaging(GuestPaging p) {
        return new GuestProgram(vcpus, pattern, reportEveryOps, seed, p);
    }
}
