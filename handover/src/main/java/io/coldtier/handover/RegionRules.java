package io.coldtier.handover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pure rules a hello's regions must satisfy, given the memfds' sizes and the VMM's mappings. Kept apart from
 * the descriptor checks so every rule is unit-tested on plain values.
 */
final class RegionRules {
    /** Largest region we accept: 2^46 bytes (64 TiB), far above any guest and far below overflow. */
    static final long MAX_REGION_BYTES = 1L << 46;

    private RegionRules() {}

    /**
     * Checks each region alone and against the memfds: page size, alignment, size, memfd index and bounds, and that
     * every memfd is used.
     *
     * @throws HandOverException BAD_REGION / REGION_EXCEEDS_MEMFD / FD_COUNT
     */
    static void checkShapes(List<Message.RegionMapping> regions, long[] memfdSizes) {
        boolean[] used = new boolean[memfdSizes.length];
        for (int i = 0; i < regions.size(); i++) {
            Message.RegionMapping r = regions.get(i);
            String at = "regions[" + i + "]";
            long ps = r.pageSize();
            if (ps != Protocol.PAGE_4K && ps != Protocol.PAGE_2M) {
                throw bad(at + ".page_size " + ps + " is not supported (4096 for shmem memfds, 2097152 for"
                        + " hugetlbfs memfds)");
            }
            if (r.size() == 0 || r.size() % ps != 0 || r.size() > MAX_REGION_BYTES) {
                throw bad(at + ".size " + r.size() + " must be a positive multiple of page_size " + ps + " and at most "
                        + MAX_REGION_BYTES);
            }
            checkAligned(at + ".host_base", r.hostBase(), ps);
            checkAligned(at + ".memfd_offset", r.memfdOffset(), ps);
            checkAligned(at + ".guest_phys_addr", r.guestPhysAddr(), ps);
            if (r.hostBase() > Long.MAX_VALUE - r.size() || r.guestPhysAddr() > Long.MAX_VALUE - r.size()
                    || r.memfdOffset() > Long.MAX_VALUE - r.size()) {
                throw bad(at + " overflows 63-bit addresses");
            }
            if (r.memfdIndex() >= memfdSizes.length) {
                throw new HandOverException(RejectCode.FD_COUNT, at + ".memfd_index " + r.memfdIndex() + " but only "
                        + memfdSizes.length + " memfd(s) arrived");
            }
            used[r.memfdIndex()] = true;
            long have = memfdSizes[r.memfdIndex()];
            if (r.memfdOffset() + r.size() > have) {
                throw new HandOverException(RejectCode.REGION_EXCEEDS_MEMFD, at + " covers memfd "
                        + r.memfdIndex() + " bytes [" + r.memfdOffset() + ", " + (r.memfdOffset() + r.size())
                        + ") but the memfd is only " + have + " bytes long");
            }
        }
        for (int m = 0; m < used.length; m++) {
            if (!used[m]) {
                throw bad("memfd " + m + " (descriptor " + (m + 1) + ") is not used by any region");
            }
        }
    }

    private static void checkAligned(String what, long value, long pageSize) {
        if (value % pageSize != 0) {
            throw bad(what + " 0x" + Long.toHexString(value) + " is not aligned to page_size " + pageSize);
        }
    }

    /**
     * No two regions may share bytes of the VMM's address space, of guest-physical space, or of one memfd (evicting
     * one alias would punch the other's data).
     *
     * @throws HandOverException REGIONS_OVERLAP naming both regions
     */
    static void checkOverlaps(List<Message.RegionMapping> regions) {
        overlap(regions, "host address space", Message.RegionMapping::hostBase, r -> 0);
        overlap(regions, "guest-physical space", Message.RegionMapping::guestPhysAddr, r -> 0);
        overlap(regions, "memfd", Message.RegionMapping::memfdOffset, Message.RegionMapping::memfdIndex);
    }

    private static void overlap(List<Message.RegionMapping> regions, String space,
                                java.util.function.ToLongFunction<Message.RegionMapping> start,
                                java.util.function.ToIntFunction<Message.RegionMapping> domain) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingInt(i -> domain.applyAsInt(regions.get(i)))
                .thenComparingLong(i -> start.applyAsLong(regions.get(i))));
        for (int k = 1; k < order.size(); k++) {
            Message.RegionMapping a = regions.get(order.get(k - 1));
            Message.RegionMapping b = regions.get(order.get(k));
            if (domain.applyAsInt(a) == domain.applyAsInt(b) && start.applyAsLong(b) < start.applyAsLong(a) + a.size()) {
                String in = space.equals("memfd") ? "memfd " + a.memfdIndex() : space;
                throw new HandOverException(RejectCode.REGIONS_OVERLAP, "regions[" + order.get(k - 1) + "] and regions["
                        + order.get(k) + "] overlap in " + in + " ([0x" + Long.toHexString(start.applyAsLong(a))
                        + ", 0x" + Long.toHexString(start.applyAsLong(a) + a.size()) + ") vs [0x"
                        + Long.toHexString(start.applyAsLong(b)) + ", 0x"
                        + Long.toHexString(start.applyAsLong(b) + b.size()) + "))");
            }
        }
    }

    /**
     * Each region must be mapped in the VMM exactly as described: every byte of [host_base, host_base + size)
     * inside VMAs that map memfd {@code memfd_index} (same device and inode), shared and read-write, at the file
     * offset that makes host_base correspond to memfd_offset, with KernelPageSize == page_size.
     *
     * <p>A region registered for MINOR faults ("ui" in VmFlags) is refused: MINOR registration cannot be removed
     * without an unregister, and with it every zapped page would trap synchronously.
     *
     * @param memfdIds identity of each memfd
     * @return per region: whether every VMA of it is already registered MISSING|WP ("um" and "uw" in VmFlags), by
     *         the VMM or by a previous agent: such a registration is never rolled back by the agent
     * @throws HandOverException MAPPING_MISMATCH saying which region and what was found instead
     */
    static boolean[] checkMappings(List<Message.RegionMapping> regions, List<ProcMaps.Vma> vmas,
                                   List<FdInspector.FileId> memfdIds, int pid) {
        boolean[] registered = new boolean[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            registered[i] = true;
            Message.RegionMapping r = regions.get(i);
            FdInspector.FileId id = memfdIds.get(r.memfdIndex());
            String at = "regions[" + i + "] [0x" + Long.toHexString(r.hostBase()) + ", 0x" + Long.toHexString(r.end())
                    + ")";
            long cursor = r.hostBase();
            while (cursor < r.end()) {
                ProcMaps.Vma v = find(vmas, cursor);
                if (v == null) {
                    throw mismatch(at + ": address 0x" + Long.toHexString(cursor) + " is not mapped in pid " + pid);
                }
                if (v.inode() != id.ino() || v.major() != id.major() || v.minor() != id.minor()) {
                    throw mismatch(at + ": address 0x" + Long.toHexString(cursor) + " of pid " + pid + " maps '"
                            + v.path() + "' (dev " + Long.toHexString(v.major()) + ":" + Long.toHexString(v.minor())
                            + " inode " + v.inode() + "), not memfd " + r.memfdIndex() + " (inode " + id.ino() + ")");
                }
                if (!v.shared() || !v.readable() || !v.writable()) {
                    throw mismatch(at + ": the mapping at 0x" + Long.toHexString(v.start()) + " must be shared and"
                            + " read-write (MAP_SHARED, PROT_READ|PROT_WRITE)");
                }
                long expectOffset = r.memfdOffset() + (cursor - r.hostBase());
                long actualOffset = v.offset() + (cursor - v.start());
                if (actualOffset != expectOffset) {
                    throw mismatch(at + ": address 0x" + Long.toHexString(cursor) + " maps memfd offset "
                            + actualOffset + ", the hello says " + expectOffset);
                }
                if (v.pageSize() != r.pageSize()) {
                    throw mismatch(at + ": the mapping's KernelPageSize is " + v.pageSize() + ", page_size says "
                            + r.pageSize());
                }
                if (v.flags().contains("ui")) {
                    throw mismatch(at + ": the mapping at 0x" + Long.toHexString(v.start()) + " is registered for"
                            + " userfaultfd MINOR faults; the agent needs MISSING|WP only");
                }
                registered[i] &= v.flags().contains("um") && v.flags().contains("uw");
                cursor = Math.min(v.end(), r.end());
            }
        }
        return registered;
    }

    private static ProcMaps.Vma find(List<ProcMaps.Vma> vmas, long address) {
        for (ProcMaps.Vma v : vmas) {
            if (v.contains(address)) {
                return v;
            }
        }
        return null;
    }

    private static HandOverException bad(String why) {
        return new HandOverException(RejectCode.BAD_REGION, why);
    }

    private static HandOverException mismatch(String why) {
        return new HandOverException(RejectCode.MAPPING_MISMATCH, why);
    }
}
