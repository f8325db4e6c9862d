package io.coldtier.handover;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Every message of the hand-over protocol; {@code type} on the wire selects the record. JSON field names are the
 * lower_snake_case spelling of the components (see the module README for units and constraints). Records only
 * check for nulls; what a value must satisfy is checked by {@link MessageCodec} (syntax, types, ranges) and
 * {@link HandOverValidator} (alignment, overlap, descriptors).
 */
public sealed interface Message {
    /** The wire {@code type}. */
    String type();

    /**
     * VMM → agent, first and only message carrying descriptors: {@code fds[0]} is the userfaultfd, {@code fds[1+i]}
     * memfd {@code i}.
     *
     * @param protocol       {@link Protocol#VERSION}
     * @param vmId           fleet-unique VM id, 1..{@value Protocol#MAX_VM_ID_BYTES} UTF-8 bytes, no '/'
     * @param regions        guest memory regions, at least one
     * @param uffdRegistered whether the VMM already did UFFDIO_REGISTER(MISSING|WP) on every region. Informational:
     *                       the agent registers MISSING|WP in any case (a no-op where present) and reads what was
     *                       registered before from the VMM's smaps, so it never rolls back a registration it did
     *                       not make
     * @param capabilities   what the VMM serves besides the hand-over, e.g. {@link Protocol#CAP_ZAP}; unknown
     *                       names are ignored
     */
    record Hello(int protocol, String vmId, List<RegionMapping> regions, boolean uffdRegistered,
                 Set<String> capabilities) implements Message {
        public Hello {
            Objects.requireNonNull(vmId, "vmId");
            regions = List.copyOf(regions);
            capabilities = Set.copyOf(capabilities);
        }

        @Override
        public String type() {
            return "hello";
        }

        /** Memfds this hello needs: one past the highest memfd_index. */
        public int memfdCount() {
            return regions.stream().mapToInt(RegionMapping::memfdIndex).max().orElse(-1) + 1;
        }
    }

    /**
     * One guest memory region, in the spirit of Firecracker's GuestRegionUffdMapping.
     *
     * @param hostBase      start of the region in the VMM's address space (bytes)
     * @param size          length in bytes, a multiple of {@code pageSize}
     * @param memfdIndex    which of the hello's memfds backs it (0-based, i.e. descriptor 1 + memfdIndex)
     * @param memfdOffset   offset of the region's first byte in that memfd
     * @param pageSize      4096 (shmem memfd) or 2097152 (hugetlbfs memfd)
     * @param guestPhysAddr guest-physical address of the region's first byte
     */
    record RegionMapping(long hostBase, long size, int memfdIndex, long memfdOffset, long pageSize,
                         long guestPhysAddr) {
        public long end() {
            return hostBase + size;
        }
    }

    /**
     * Agent → VMM: the hand-over is accepted and tracking runs.
     *
     * @param recoveredPages pages found evicted from an earlier attachment (agent restart), 0 on a first attach
     * @param zap            how tracking is armed: {@code "vmm"} (zap requests to the VMM) or
     *                       {@code "process_madvise"} (remote MADV_PAGEOUT)
     */
    record Accepted(String vmId, String agentId, long recoveredPages, String zap) implements Message {
        public Accepted {
            Objects.requireNonNull(vmId, "vmId");
            Objects.requireNonNull(agentId, "agentId");
            Objects.requireNonNull(zap, "zap");
        }

        @Override
        public String type() {
            return "accepted";
        }
    }

    /** Agent → VMM: the hand-over is rejected; nothing was changed and every received descriptor was closed. */
    record Rejected(String code, String message) implements Message {
        public Rejected {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String type() {
            return "rejected";
        }

        /** The code, or null if this client does not know it (a newer agent). */
        public RejectCode rejectCode() {
            return RejectCode.fromWire(code);
        }
    }

    /** A byte range of the VMM's address space. */
    record Range(long start, long len) {}

    /**
     * Agent → VMM (only if the hello announced {@link Protocol#CAP_ZAP}): zap these ranges, i.e.
     * {@code madvise(MADV_DONTNEED)} in the VMM's own process, then answer with {@link ZapDone} of the same id.
     */
    record ZapRequest(long id, List<Range> ranges) implements Message {
        public ZapRequest {
            ranges = List.copyOf(ranges);
        }

        @Override
        public String type() {
            return "zap";
        }
    }

    /** VMM → agent: the answer to {@link ZapRequest} {@code id}; {@code message} says why when {@code !ok}. */
    record ZapDone(long id, boolean ok, String message) implements Message {
        public ZapDone {
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String type() {
            return "zap_done";
        }
    }

    /**
     * VMM → agent: ends the attachment. {@link Protocol#GOODBYE_DETACH}: restore every page and unregister, answer
     * {@link Detached}; {@link Protocol#GOODBYE_EXITING}: stop tracking, restore nothing, forget the VM once the
     * process has exited (answered with {@link Detached} too, restored_pages 0).
     */
    record Goodbye(String reason) implements Message {
        public Goodbye {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String type() {
            return "goodbye";
        }
    }

    /** Agent → VMM: the answer to {@link Goodbye}; the agent closes the connection right after. */
    record Detached(long restoredPages) implements Message {
        @Override
        public String type() {
            return "detached";
        }
    }
}
