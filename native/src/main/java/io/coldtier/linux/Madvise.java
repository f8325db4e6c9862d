package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.coldtier.linux.struct.Iovec;

/**
 * {@code madvise(2)} in this process and {@code process_madvise(2)} into another one (through a
 * pidfd). The zap backend arms tracking with MADV_DONTNEED in the mapping's own process, or with
 * MADV_PAGEOUT from outside (best effort: re-scan, stock-kernel-tracking.md Q7).
 */
public final class Madvise {
    public static final int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
            MADV_FREE = 8, MADV_REMOVE = 9, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_COLD = 20,
            MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23;

    static final long SYS_PIDFD_OPEN = 434, SYS_PROCESS_MADVISE = 440;
    /** The kernel's UIO_MAXIOV: process_madvise takes at most this many iovecs per call. */
    public static final int IOV_MAX = 1024;

    private Madvise() {}

    public static void madvise(long address, long len, int advice) {
        Syscalls.check("madvise(advice=" + advice + ")", Syscalls.madviseRaw(address, len, advice));
    }

    /** {@code pidfd_open(pid, 0)}: a stable handle on another process (no pid-reuse race). */
    public static OwnedFd pidfdOpen(int pid) {
        long fd = Syscalls.syscallRaw(SYS_PIDFD_OPEN, pid, 0, 0);
        Syscalls.check("pidfd_open(" + pid + ")", fd);
        return OwnedFd.adopt((int) fd, "pidfd " + pid);
    }

    /**
     * {@code process_madvise(pidfd, iov, n, advice, 0)} over the ranges {@code starts[i]},
     * {@code lens[i]} of the target's address space. Splits into batches of {@link #IOV_MAX}.
     * Returns the bytes advised; the kernel may stop short (e.g. at a VMA it refuses), which is
     * not an error here: callers verify by scanning.
     */
    public static long processMadvise(OwnedFd pidfd, long[] starts, long[] lens, int count, int advice) {
        long total = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(Iovec.SIZE * Math.min(count, IOV_MAX));
            for (int from = 0; from < count; from += IOV_MAX) {
                int n = Math.min(IOV_MAX, count - from);
                for (int i = 0; i < n; i++) {
                    MemorySegment v = Iovec.at(iov, i);
                    Iovec.base(v, starts[from + i]);
                    Iovec.len(v, lens[from + i]);
                }
                long rc = Syscalls.syscallRaw(SYS_PROCESS_MADVISE, pidfd.get(), iov.address(), n, advice, 0);
                Syscalls.check("process_madvise(advice=" + advice + ")", rc);
                total += rc;
            }
        }
        return total;
    }
}
