package io.coldtier.faultsource;

import io.coldtier.linux.Libc;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A VM's guest memory: one or more regions, the memfds behind them, and the userfaultfd they are
 * registered with. Either created in this process ({@link #create}) or attached from what a VMM
 * handed over ({@link #attach}); everything after that is the same.
 *
 * <p>Owns the uffd, the memfds and (when local) the mappings. {@link #close()} refuses while any
 * page is evicted: closing the uffd then would wake faulting threads onto zero pages (lost data).
 * Restore first (EvictionExecutor#restoreAll).
 */
public final class GuestMemory implements AutoCloseable {
    private final List<GuestRegion> regions;
    private final Userfaultfd uffd;
    private final List<Memfd> memfds;
    private final List<Mapping> mappings;
    private final int pid;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private GuestMemory(List<GuestRegion> regions, Userfaultfd uffd, List<Memfd> memfds, List<Mapping> mappings,
                        int pid) {
        this.regions = List.copyOf(regions);
        this.uffd = uffd;
        this.memfds = List.copyOf(memfds);
        this.mappings = List.copyOf(mappings);
        this.pid = pid;
    }

    /** Creates guest memory in this process: one memfd and mapping per region, registered. */
    public static GuestMemory create(List<RegionSpec> specs, Registration reg) {
        List<Memfd> memfds = new ArrayList<>();
        List<Mapping> mappings = new ArrayList<>();
        List<GuestRegion> regions = new ArrayList<>();
        Userfaultfd uffd = null;
        try {
            uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, reg.requiredFeatures(), 0);
            for (int i = 0; i < specs.size(); i++) {
                RegionSpec s = specs.get(i);
                Memfd memfd = Memfd.create("coldtier-guest-" + i, s.size(), s.pageSize() == RegionSpec.PAGE_2M);
                memfds.add(memfd);
                Mapping m = Mapping.shared(memfd.fd(), s.size(), 0);
                mappings.add(m);
                RegionSpec placed = new RegionSpec(s.guestPhysBase(), s.size(), m.address(), i, 0, s.pageSize());
                uffd.register(m.address(), s.size(), reg.mode());
                regions.add(new GuestRegion(i, placed, m.address(), memfd));
            }
            return new GuestMemory(regions, uffd, memfds, mappings, Libc.getpid());
        } catch (RuntimeException e) {
            if (uffd != null) {
                uffd.close(); // nothing evicted yet: closing is safe
            }
            mappings.forEach(Mapping::close);
            memfds.forEach(Memfd::close);
            throw e;
        }
    }

    /**
     * Attaches to memory another process owns. Takes ownership of the handed-over descriptors;
     * registers the regions unless the VMM said it already did.
     */
    public static GuestMemory attach(HandOver h, Registration reg) {
        List<Memfd> memfds = new ArrayList<>();
        for (OwnedFd fd : h.memfds()) {
            memfds.add(Memfd.adopt(fd, 4096));
        }
        Userfaultfd uffd = Userfaultfd.adopt(h.uffd());
        try {
            List<GuestRegion> regions = new ArrayList<>();
            for (int i = 0; i < h.regions().size(); i++) {
                RegionSpec s = h.regions().get(i);
                if (!h.registered()) {
                    uffd.register(s.hostAddress(), s.size(), reg.mode());
                }
                regions.add(new GuestRegion(i, s, s.hostAddress(), memfds.get(s.memfdIndex())));
            }
            return new GuestMemory(regions, uffd, memfds, List.of(), h.pid());
        } catch (RuntimeException e) {
            uffd.close();
            memfds.forEach(Memfd::close);
            throw e;
        }
    }

    public List<GuestRegion> regions() {
        return regions;
    }

    public GuestRegion region(int index) {
        return regions.get(index);
    }

    /** The region containing {@code address} in the owner's address space, or null. */
    public GuestRegion regionOf(long address) {
        for (GuestRegion r : regions) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    public Userfaultfd uffd() {
        return uffd;
    }

    /** The process whose address space holds the guest memory (this one when local). */
    public int pid() {
        return pid;
    }

    public boolean local() {
        return !mappings.isEmpty();
    }

    public long size() {
        return regions.stream().mapToLong(GuestRegion::size).sum();
    }

    /**
     * Whether the process owning the address space still exists. Once it is gone its memory is
     * gone too, and closing the uffd can no longer wake anybody onto a zero page.
     */
    public boolean ownerAlive() {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        // ProcessHandle counts a zombie as alive, but its address space is already gone: a UFFDIO_COPY into it
        // fails with ESRCH. The state is the first field after the parenthesised command name.
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false; // reaped between the two checks
        }
    }

    public long evictedPages() {
        return regions.stream().mapToLong(r -> r.states().evictedCount()).sum();
    }

    @Override
    public void close() {
        if (!open.get()) {
            return;
        }
        long out = evictedPages();
        if (out > 0 && ownerAlive()) {
            throw new IllegalStateException("refusing to close guest memory with " + out
                    + " pages evicted: closing the uffd would wake faulting threads onto zero pages; restore first");
        }
        if (open.compareAndSet(true, false)) {
            uffd.close();
            mappings.forEach(Mapping::close);
            memfds.forEach(Memfd::close);
        }
    }
}
