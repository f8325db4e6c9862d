package io.coldtier.faultsource;

import io.coldtier.linux.OwnedFd;

import java.util.List;

/**
 * What a VMM hands the agent so it can track memory it does not own: its uffd (UFFDIO_API done),
 * the memfds behind guest RAM, the region layout in the VMM's address space, and the VMM's pid
 * (for /proc/pid/pagemap and process_madvise). {@code registered} says whether the VMM already
 * did UFFDIO_REGISTER(MISSING|WP) on every region; if not, the agent does it (the uffd carries
 * the VMM's mm, so registering from here works).
 */
public record HandOver(OwnedFd uffd, List<OwnedFd> memfds, List<RegionSpec> regions, int pid, boolean registered) {
    public HandOver {
        memfds = List.copyOf(memfds);
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("a hand-over needs at least one region");
        }
        for (RegionSpec r : regions) {
            if (r.memfdIndex() >= memfds.size()) {
                throw new IllegalArgumentException("region at gpa 0x" + Long.toHexString(r.guestPhysBase())
                        + " names memfd " + r.memfdIndex() + " but only " + memfds.size() + " were handed over");
            }
            if (r.hostAddress() == 0) {
                throw new IllegalArgumentException("a handed-over region needs its host address");
            }
        }
    }
}
