package io.coldtier.linux.internal;

import io.coldtier.linux.NativeException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw libc downcalls. Two flavours per call: {@code xxxRaw} returns the result or {@code -errno}
 * and never throws (for callers that treat some errnos as results: EEXIST, EAGAIN, EINTR), and
 * {@code xxx} throws {@link NativeException} naming the call. Facades in {@code io.coldtier.linux}
 * are the only users.
 */
public final class Syscalls {
    private static final MethodHandle IOCTL = Native.errnoCall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SYSCALL3 = Native.errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL5 = Native.errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPEN = Native.errnoCall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = Native.errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = Native.errnoCall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = Native.errnoCall("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = Native.errnoCall("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = Native.errnoCall("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FALLOCATE = Native.errnoCall("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MEMFD_CREATE = Native.errnoCall("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = Native.errnoCall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = Native.errnoCall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = Native.errnoCall("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = Native.errnoCall("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Syscalls() {}

    private static long errno(MemorySegment cs) {
        return -Native.errno(cs);
    }

    private static NativeException fail(String call, long negErrno) {
        return new NativeException(call, (int) -negErrno);
    }

    /** Every MethodHandle failure here is a linkage bug, never an expected condition. */
    private static AssertionError linkage(Throwable t) {
        return new AssertionError("downcall failed to link or invoke", t);
    }

    public static int ioctlRaw(int fd, long request, MemorySegment arg) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) IOCTL.invokeExact(cs, fd, request, arg);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int ioctl(int fd, long request, MemorySegment arg, String name) {
        int rc = ioctlRaw(fd, request, arg);
        if (rc < 0) {
            throw fail("ioctl(" + name + ")", rc);
        }
        return rc;
    }

    /** {@code syscall(nr, a, b, c)}; arguments are passed as longs so negatives sign-extend. */
    public static long syscallRaw(long nr, long a, long b, long c) {
        MemorySegment cs = Native.callState();
        try {
            long rc = (long) SYSCALL3.invokeExact(cs, nr, a, b, c);
            return rc < 0 ? errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long syscallRaw(long nr, long a, long b, long c, long d, long e) {
        MemorySegment cs = Native.callState();
        try {
            long rc = (long) SYSCALL5.invokeExact(cs, nr, a, b, c, d, e);
            return rc < 0 ? errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int openRaw(MemorySegment path, int flags, int mode) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) OPEN.invokeExact(cs, path, flags, mode);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int closeRaw(int fd) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) CLOSE.invokeExact(cs, fd);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long readRaw(int fd, MemorySegment buf, long len) {
        MemorySegment cs = Native.callState();
        try {
            long rc = (long) READ.invokeExact(cs, fd, buf, len);
            return rc < 0 ? errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long preadRaw(int fd, MemorySegment buf, long len, long offset) {
        MemorySegment cs = Native.callState();
        try {
            long rc = (long) PREAD.invokeExact(cs, fd, buf, len, offset);
            return rc < 0 ? errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long pwriteRaw(int fd, MemorySegment buf, long len, long offset) {
        MemorySegment cs = Native.callState();
        try {
            long rc = (long) PWRITE.invokeExact(cs, fd, buf, len, offset);
            return rc < 0 ? errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static void ftruncate(int fd, long size) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) FTRUNCATE.invokeExact(cs, fd, size);
            if (rc < 0) {
                throw fail("ftruncate", errno(cs));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int fallocateRaw(int fd, int mode, long offset, long len) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) FALLOCATE.invokeExact(cs, fd, mode, offset, len);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int memfdCreateRaw(MemorySegment name, int flags) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) MEMFD_CREATE.invokeExact(cs, name, flags);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Returns the mapping address, or a negative errno (MAP_FAILED is (void*)-1, not NULL). */
    public static long mmapRaw(long addr, long len, int prot, int flags, int fd, long offset) {
        MemorySegment cs = Native.callState();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(cs, MemorySegment.ofAddress(addr), len, prot,
                    flags, fd, offset);
            return p.address() == -1L ? errno(cs) : p.address();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int munmapRaw(long addr, long len) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) MUNMAP.invokeExact(cs, MemorySegment.ofAddress(addr), len);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int madviseRaw(long addr, long len, int advice) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) MADVISE.invokeExact(cs, MemorySegment.ofAddress(addr), len, advice);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int pollRaw(MemorySegment fds, long nfds, int timeoutMs) {
        MemorySegment cs = Native.callState();
        try {
            int rc = (int) POLL.invokeExact(cs, fds, nfds, timeoutMs);
            return rc < 0 ? (int) errno(cs) : rc;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Throws {@link NativeException} for a negative {@code rc}, else returns it. */
    public static long check(String call, long rc) {
        if (rc < 0) {
            throw fail(call, rc);
        }
        return rc;
    }
}
