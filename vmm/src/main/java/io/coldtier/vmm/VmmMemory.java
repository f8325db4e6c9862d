package io.coldtier.vmm;

import io.coldtier.handover.Message;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The VMM's guest memory: one memfd (sparse: a page is allocated when first written), mapped {@code MAP_SHARED}
 * read-write once (no alias mappings, which would defeat the agent's zaps), and the userfaultfd it is registered
 * with. Owns all three; they live as long as the guest, whatever happens to the agent or the connection to it:
 * the uffd in particular must stay open while any page is evicted (closing the last reference would wake the
 * faulting threads onto zero pages).
 */
public final class VmmMemory implements AutoCloseable {
    private final Memfd memfd;
    private final Mapping mapping;
    private final Userfaultfd uffd;
    private final long size;
    private final boolean registered;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private VmmMemory(Memfd memfd, Mapping mapping, Userfaultfd uffd, long size, boolean registered) {
        this.memfd = memfd;
        this.mapping = mapping;
        this.uffd = uffd;
        this.size = size;
        this.registered = registered;
    }

    /**
     * Creates the memory. The uffd gets UFFDIO_API with no features (none are needed; EVENT_REMOVE would block every
     * zap, SIGBUS and WP_ASYNC would break tracking). With {@code register}, the region is registered
     * MISSING|WP here; otherwise the agent registers it after the hand-over.
     */
    public static VmmMemory create(long size, boolean register) {
        Memfd memfd = Memfd.create("coldtier-vmm-guest", size);
        Mapping mapping = null;
        Userfaultfd uffd = null;
        try {
            mapping = Mapping.shared(memfd.fd(), size, 0);
            uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
            if (register) {
                uffd.register(mapping.address(), size,
                        Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
            }
            return new VmmMemory(memfd, mapping, uffd, size, register);
        } catch (RuntimeException e) {
            if (uffd != null) {
                uffd.close(); // nothing evicted yet
            }
            if (mapping != null) {
                mapping.close();
            }
            memfd.close();
            throw e;
        }
    }

    public long address() {
        return mapping.address();
    }

    public long size() {
        return size;
    }

    /** The guest RAM for a guest that wants a segment (never read it with plain Java accesses: see Libc). */
    public MemorySegment segment() {
        return mapping.segment();
    }

    public int uffdFd() {
        return uffd.fd();
    }

    public int memfdFd() {
        return memfd.fd();
    }

    public boolean registered() {
        return registered;
    }

    /** The one region as the hand-over describes it: guest-physical 0, 4 KiB pages, memfd 0 from offset 0. */
    public Message.RegionMapping region() {
        return new Message.RegionMapping(mapping.address(), size, 0, 0, 4096, 0);
    }

    /**
     * Serves an agent's zap request: {@code madvise(MADV_DONTNEED)} on each range, which clears the PTEs while the
     * memfd keeps the data. Ranges outside the guest memory are refused (the agent may only zap guest RAM).
     */
    public void zap(List<Message.Range> ranges) {
        for (Message.Range r : ranges) {
            if (r.start() < mapping.address() || r.len() <= 0 || r.start() + r.len() > mapping.address() + size
                    || r.start() % 4096 != 0 || r.len() % 4096 != 0) {
                throw new IllegalArgumentException("zap range [0x" + Long.toHexString(r.start()) + ", +" + r.len()
                        + ") is not page-aligned guest memory");
            }
        }
        for (Message.Range r : ranges) {
            Madvise.madvise(r.start(), r.len(), Madvise.MADV_DONTNEED);
        }
    }

    /** Unmaps and closes everything (at exit; the guest must have stopped). Idempotent. */
    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            mapping.close();
            uffd.close();
            memfd.close();
        }
    }
}
