package io.coldtier.bench;

import io.coldtier.linux.Madvise;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

/**
 * The benchmarks' guest memory: a memfd (4 KiB pages) mapped MAP_SHARED, fully populated and
 * registered MISSING|WP, as the zap backend sets it up (stock-kernel-tracking.md Q2). Populating
 * before timing keeps first-touch faults out of every measurement.
 */
final class Region implements AutoCloseable {
    static final long PAGE = 4096;

    final Memfd memfd;
    final Mapping mapping;
    final Userfaultfd uffd;
    final long start;
    final long length;

    private Region(Memfd memfd, Mapping mapping, Userfaultfd uffd) {
        this.memfd = memfd;
        this.mapping = mapping;
        this.uffd = uffd;
        this.start = mapping.address();
        this.length = mapping.length();
    }

    static Region open(String name, long length) {
        Memfd memfd = Memfd.create(name, length);
        Mapping mapping = null;
        try {
            // fallocate first so MADV_POPULATE_WRITE only maps pages instead of also allocating them.
            memfd.allocate(0, length);
            mapping = Mapping.shared(memfd.fd(), length, 0);
            mapping.madvise(0, length, Madvise.MADV_POPULATE_WRITE);
            Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
            try {
                uffd.register(mapping.address(), length,
                        Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
            } catch (RuntimeException e) {
                uffd.close();
                throw e;
            }
            return new Region(memfd, mapping, uffd);
        } catch (RuntimeException e) {
            if (mapping != null) {
                mapping.close();
            }
            memfd.close();
            throw e;
        }
    }

    /** Protects or unprotects the whole region; unprotecting wakes writers (none exist here). */
    void writeProtect(boolean protect) {
        uffd.writeProtect(start, length, protect, false);
    }

    @Override
    public void close() {
        // Unprotect before closing the uffd: closing it with pages still protected is the kernel
        // hazard Userfaultfd's Javadoc warns about, even if nothing writes here.
        if (uffd.isOpen()) {
            writeProtect(false);
            uffd.close();
        }
        mapping.close();
        memfd.close();
    }
}
