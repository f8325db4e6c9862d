package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An anonymous shared-memory file ({@code memfd_create(2)}): the backing store of guest memory.
 * Owns its descriptor. Eviction reads pages with {@link #pread} (never through a second mapping,
 * which would defeat remote zaps, stock-kernel-tracking.md Q7) and frees them with
 * {@link #punchHole}.
 */
public final class Memfd implements AutoCloseable {
    public static final int MFD_CLOEXEC = 0x1, MFD_ALLOW_SEALING = 0x2, MFD_HUGETLB = 0x4;
    /** {@code MFD_HUGE_2MB = 21 << MFD_HUGE_SHIFT(26)}. */
    public static final int MFD_HUGE_2MB = 21 << 26;
    public static final int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02;

    private final OwnedFd fd;
    private final long pageSize;

    private Memfd(OwnedFd fd, long pageSize) {
        this.fd = fd;
        this.pageSize = pageSize;
    }

    /** A new memfd of {@code size} bytes (sparse), 4 KiB pages. */
    public static Memfd create(String name, long size) {
        return create(name, size, false);
    }

    /**
     * A new memfd of {@code size} bytes. With {@code hugetlb} it is backed by 2 MiB huge pages
     * ({@code MFD_HUGETLB|MFD_HUGE_2MB}) and {@code size} must be a multiple of 2 MiB; creation
     * fails unless huge pages can be reserved later (see {@code /proc/sys/vm/nr_hugepages}).
     */
    public static Memfd create(String name, long size, boolean hugetlb) {
        int flags = MFD_CLOEXEC | (hugetlb ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
        long page = hugetlb ? 2L << 20 : 4096;
        if (size <= 0 || size % page != 0) {
            throw new IllegalArgumentException("memfd size " + size + " is not a positive multiple of " + page);
        }
        int raw;
        try (Arena a = Arena.ofConfined()) {
            raw = Syscalls.memfdCreateRaw(a.allocateFrom(name), flags);
        }
        Syscalls.check("memfd_create(" + name + (hugetlb ? ", MFD_HUGETLB" : "") + ")", raw);
        OwnedFd fd = OwnedFd.adopt(raw, "memfd " + name);
        try {
            Syscalls.ftruncate(fd.get(), size);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        return new Memfd(fd, page);
    }

    /** Adopts a memfd received from another process (the size is read with fstat by the caller). */
    public static Memfd adopt(OwnedFd fd, long pageSize) {
        return new Memfd(fd, pageSize);
    }

    public int fd() {
        return fd.get();
    }

    public OwnedFd ownedFd() {
        return fd;
    }

    public long pageSize() {
        return pageSize;
    }

    /** Reads {@code len} bytes at {@code offset} into {@code dst}; loops over short reads. */
    public void pread(MemorySegment dst, long len, long offset) {
        long done = 0;
        while (done < len) {
            long n = Syscalls.preadRaw(fd.get(), dst.asSlice(done), len - done, offset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            Syscalls.check("pread(" + fd.what() + ")", n);
            if (n == 0) {
                throw new NativeException("pread(" + fd.what() + ")", Errno.EIO,
                        "end of file at offset " + (offset + done));
            }
            done += n;
        }
    }

    /** Writes {@code len} bytes of {@code src} at {@code offset}; loops over short writes. */
    public void pwrite(MemorySegment src, long len, long offset) {
        long done = 0;
        while (done < len) {
            long n = Syscalls.pwriteRaw(fd.get(), src.asSlice(done), len - done, offset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            Syscalls.check("pwrite(" + fd.what() + ")", n);
            done += n;
        }
    }

    /**
     * {@code fallocate(PUNCH_HOLE|KEEP_SIZE)}: frees the pages; the next access through a mapping
     * registered for MISSING faults traps. A punch does not wake uffd waiters (Q4).
     */
    public void punchHole(long offset, long len) {
        int rc = Syscalls.fallocateRaw(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
        Syscalls.check("fallocate(PUNCH_HOLE|KEEP_SIZE, " + fd.what() + ")", rc);
    }

    static final long SYS_LSEEK = 8;
    static final int SEEK_DATA = 3, SEEK_HOLE = 4;

    /**
     * {@code lseek(fd, from, SEEK_DATA)}: the first offset at or after {@code from} backed by a page in the page
     * cache, or -1 if there is none before the end (ENXIO). On shmem/memfd a hole is a page that was never written
     * or was punched, which is how a restarted agent tells an evicted page (hole) from a resident one holding zeros.
     * hugetlbfs does not track holes (it reports everything as data), so callers must not rely on it there.
     */
    public long seekData(long from) {
        return seek(from, SEEK_DATA);
    }

    /** {@code lseek(fd, from, SEEK_HOLE)}: the first hole at or after {@code from} (the file size counts as one). */
    public long seekHole(long from) {
        return seek(from, SEEK_HOLE);
    }

    private long seek(long from, int whence) {
        long rc = Syscalls.syscallRaw(SYS_LSEEK, fd.get(), from, whence);
        if (rc == -Errno.ENXIO) {
            return -1;
        }
        Syscalls.check("lseek(" + fd.what() + ", " + from + (whence == SEEK_DATA ? ", SEEK_DATA)" : ", SEEK_HOLE)"), rc);
        return rc;
    }

    /** {@code fallocate(0)}: allocates backing pages for the range now. */
    public void allocate(long offset, long len) {
        Syscalls.check("fallocate(" + fd.what() + ")", Syscalls.fallocateRaw(fd.get(), 0, offset, len));
    }

    @Override
    public void close() {
        fd.close();
    }
}
