package io.coldtier.handover;

import io.coldtier.linux.OwnedFd;

import java.util.List;
import java.util.Set;

/**
 * A hand-over that passed every check of {@link HandOverValidator}: its descriptors are what they claim to be and
 * the regions fit them. Owns the descriptors until someone takes them over (the agent's guest memory adopts them);
 * {@link #close()} closes whatever is still open, so a hand-over rejected after validation (e.g. VM busy) leaves
 * nothing behind.
 *
 * @param pid         the VMM's pid (SO_PEERCRED): its address space holds the regions
 * @param uid         the VMM's uid (SO_PEERCRED)
 * @param uffd        the userfaultfd, UFFDIO_API done
 * @param memfds      memfd {@code i} backs the regions with {@code memfd_index == i}
 * @param memfdSizes  st_size of each memfd at validation time
 * @param registered  per region: already registered MISSING|WP before the hand-over (VmFlags "um uw" in the VMM's
 *                    smaps), by the VMM or a previous agent; the agent only ever rolls back registrations it made
 */
public record ValidatedHandOver(String vmId, int pid, int uid, OwnedFd uffd, List<OwnedFd> memfds,
                                List<Message.RegionMapping> regions, long[] memfdSizes, boolean[] registered,
                                Set<String> capabilities) implements AutoCloseable {
    public ValidatedHandOver {
        memfds = List.copyOf(memfds);
        regions = List.copyOf(regions);
        memfdSizes = memfdSizes.clone();
        registered = registered.clone();
        capabilities = Set.copyOf(capabilities);
    }

    @Override
    public long[] memfdSizes() {
        return memfdSizes.clone();
    }

    @Override
    public boolean[] registered() {
        return registered.clone();
    }

    public boolean serves(String capability) {
        return capabilities.contains(capability);
    }

    /** Closes every descriptor not yet taken over (idempotent per descriptor). */
    @Override
    public void close() {
        uffd.close();
        memfds.forEach(OwnedFd::close);
    }

    @Override
    public String toString() {
        return "hand-over of " + vmId + " from pid " + pid + " (uid " + uid + "): " + regions.size() + " region(s), "
                + memfds.size() + " memfd(s), capabilities " + capabilities;
    }
}
