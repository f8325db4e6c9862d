package io.coldtier.handover;

import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.UnixSocket;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Judges a hello and its descriptors without changing anything: who sent it (uid allow-list), how many descriptors
 * came and whether each is what the hello says (readlink of {@code /proc/self/fd/N}, fdinfo, fstat), whether the
 * regions fit the memfds and each other ({@link RegionRules}) and whether the VMM really maps them that way
 * ({@code /proc/<pid>/smaps}). The first violation found is thrown as a {@link HandOverException}; the caller then
 * closes every descriptor.
 */
public final class HandOverValidator {
    /**
     * UFFDIO_API features that make the zap backend unsafe or unworkable on a handed-over uffd: SIGBUS (faults kill
     * instead of queueing: refaults impossible), WP_ASYNC (write-protect faults resolve themselves: the eviction
     * freeze would not hold writers, losing data), and the non-cooperative events (REMOVE blocks every
     * MADV_DONTNEED zap until read; FORK/REMAP/UNMAP change the address space under the tracker).
     */
    static final long FORBIDDEN_FEATURES = UffdFeature.SIGBUS | UffdFeature.WP_ASYNC | UffdFeature.EVENT_FORK
            | UffdFeature.EVENT_REMAP | UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP;

    private final Set<Integer> allowedUids;

    /** @param allowedUids peers (SO_PEERCRED uid) allowed to hand memory over */
    public HandOverValidator(Set<Integer> allowedUids) {
        this.allowedUids = Set.copyOf(allowedUids);
    }

    /** @throws HandOverException UID_NOT_ALLOWED */
    public void checkPeer(UnixSocket.PeerCredentials peer) {
        if (!allowedUids.contains(peer.uid())) {
            throw new HandOverException(RejectCode.UID_NOT_ALLOWED, "uid " + peer.uid() + " (pid " + peer.pid()
                    + ") is not allowed to hand over memory; allowed uids: " + new TreeSet<>(allowedUids));
        }
    }

    /**
     * Validates {@code hello} with the descriptors that came with it. On success the result owns the descriptors;
     * on failure nothing is taken (the caller still owns and must close {@code fds}).
     *
     * @param fds              descriptors in arrival order: uffd, then memfd 0, 1, ...
     * @param controlTruncated the kernel dropped descriptors (MSG_CTRUNC)
     */
    public ValidatedHandOver validate(UnixSocket.PeerCredentials peer, Message.Hello hello, List<OwnedFd> fds,
                                      boolean controlTruncated) {
        checkPeer(peer);
        int memfdCount = hello.memfdCount();
        if (controlTruncated) {
            throw new HandOverException(RejectCode.FD_COUNT, "more descriptors were sent than the agent accepts ("
                    + Connection.MAX_RECEIVED_FDS + "); the kernel dropped the rest. Send exactly 1 + "
                    + memfdCount + " (uffd + memfds)");
        }
        if (fds.size() != 1 + memfdCount) {
            throw new HandOverException(RejectCode.FD_COUNT, "got " + fds.size() + " descriptor(s); the hello needs "
                    + (1 + memfdCount) + ": the userfaultfd, then " + memfdCount
                    + " memfd(s) (one per memfd_index 0.." + (memfdCount - 1) + ")");
        }
        checkUffd(fds.getFirst());
        long[] sizes = new long[memfdCount];
        List<FdInspector.FileId> ids = new ArrayList<>();
        for (int m = 0; m < memfdCount; m++) {
            FdInspector.FileId id = checkMemfd(fds.get(1 + m), m);
            ids.add(id);
            sizes[m] = id.size();
        }
        RegionRules.checkShapes(hello.regions(), sizes);
        RegionRules.checkOverlaps(hello.regions());
        List<ProcMaps.Vma> vmas;
        try {
            vmas = ProcMaps.read(peer.pid());
        } catch (IOException e) {
            throw new HandOverException(RejectCode.MAPPING_MISMATCH, "cannot read /proc/" + peer.pid()
                    + "/smaps of the VMM: " + e.getMessage(), e);
        }
        boolean[] registered = RegionRules.checkMappings(hello.regions(), vmas, ids, peer.pid());
        return new ValidatedHandOver(hello.vmId(), peer.pid(), peer.uid(), fds.getFirst(), fds.subList(1, fds.size()),
                hello.regions(), sizes, registered, hello.capabilities());
    }

    private static void checkUffd(OwnedFd fd) {
        String what = FdInspector.describe(fd.get());
        if (!what.equals(FdInspector.USERFAULTFD_LINK)) {
            throw new HandOverException(RejectCode.NOT_USERFAULTFD, "descriptor 0 must be the userfaultfd ('"
                    + FdInspector.USERFAULTFD_LINK + "') but is '" + what + "'");
        }
        long features;
        try {
            features = FdInspector.uffdFeatures(fd.get());
        } catch (IOException e) {
            throw new HandOverException(RejectCode.NOT_USERFAULTFD, "cannot read the fdinfo of descriptor 0: "
                    + e.getMessage(), e);
        }
        if (features < 0) {
            throw new HandOverException(RejectCode.UFFD_FEATURES, "UFFDIO_API has not been done on the userfaultfd;"
                    + " do it (features 0 is enough) before handing it over");
        }
        long bad = features & FORBIDDEN_FEATURES;
        if (bad != 0) {
            throw new HandOverException(RejectCode.UFFD_FEATURES, "the userfaultfd has " + UffdFeature.names(bad)
                    + " enabled, which the agent cannot track with; negotiate UFFDIO_API without them");
        }
    }

    private static FdInspector.FileId checkMemfd(OwnedFd fd, int index) {
        String what = FdInspector.describe(fd.get());
        if (!what.startsWith(FdInspector.MEMFD_LINK_PREFIX)) {
            throw new HandOverException(RejectCode.NOT_MEMFD, "descriptor " + (index + 1) + " (memfd " + index
                    + ") must be a memfd ('" + FdInspector.MEMFD_LINK_PREFIX + "...') but is '" + what + "'");
        }
        try {
            return FdInspector.stat(fd.get());
        } catch (IOException e) {
            throw new HandOverException(RejectCode.NOT_MEMFD, "cannot fstat memfd " + index + ": " + e.getMessage(), e);
        }
    }
}
