package io.coldtier.faultsource;

import io.coldtier.linux.Memfd;

/**
 * One region of guest memory as the engine sees it: where it lives in the owning process, the
 * memfd behind it (evictions read and punch through the memfd, never through a second mapping),
 * and the state of each of its pages.
 */
public final class GuestRegion {
    private final int index;
    private final RegionSpec spec;
    private final long hostAddress;
    private final Memfd memfd;
    private final PageStates states;

    GuestRegion(int index, RegionSpec spec, long hostAddress, Memfd memfd) {
        this.index = index;
        this.spec = spec;
        this.hostAddress = hostAddress;
        this.memfd = memfd;
        this.states = new PageStates(spec.pages());
    }

    public int index() {
        return index;
    }

    public RegionSpec spec() {
        return spec;
    }

    /** Start of the region in the address space of the process that owns the guest memory. */
    public long hostAddress() {
        return hostAddress;
    }

    public long size() {
        return spec.size();
    }

    public long pageSize() {
        return spec.pageSize();
    }

    public long pages() {
        return spec.pages();
    }

    public Memfd memfd() {
        return memfd;
    }

    public PageStates states() {
        return states;
    }

    public boolean contains(long address) {
        return address >= hostAddress && address < hostAddress + spec.size();
    }

    public long pageOf(long address) {
        return (address - hostAddress) / spec.pageSize();
    }

    public long pageAddress(long page) {
        return hostAddress + page * spec.pageSize();
    }

    /** Offset of {@code page} in the backing memfd. */
    public long memfdOffset(long page) {
        return spec.memfdOffset() + page * spec.pageSize();
    }

    @Override
    public String toString() {
        return "region " + index + " [gpa 0x" + Long.toHexString(spec.guestPhysBase()) + ", "
                + (spec.size() >> 20) + " MiB, " + (spec.pageSize() >> 10) + " KiB pages]";
    }
}
