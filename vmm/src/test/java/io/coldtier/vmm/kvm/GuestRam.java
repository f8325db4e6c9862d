package io.coldtier.vmm.kvm;

import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;

import java.lang.foreign.MemorySegment;

/**
 * Guest RAM as the reference VMM makes it: a memfd mapped MAP_SHARED. One owner for both; close
 * unmaps, then closes the memfd.
 */
final class GuestRam implements AutoCloseable {
    final Memfd memfd;
    final Mapping mapping;

    private GuestRam(Memfd memfd, Mapping mapping) {
        this.memfd = memfd;
        this.mapping = mapping;
    }

    static GuestRam create(long bytes) {
        Memfd memfd = Memfd.create("kvm-guest-ram", bytes);
        try {
            return new GuestRam(memfd, Mapping.shared(memfd.fd(), bytes, 0));
        } catch (RuntimeException e) {
            memfd.close();
            throw e;
        }
    }

    MemorySegment segment() {
        return mapping.segment();
    }

    long hostAddress(long gpa) {
        return mapping.address() + gpa;
    }

    @Override
    public void close() {
        mapping.close();
        memfd.close();
    }
}
