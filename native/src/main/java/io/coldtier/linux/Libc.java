package io.coldtier.linux;

import io.coldtier.linux.internal.Native;
import io.coldtier.linux.internal.Syscalls;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Small libc services: memory access through native calls, process ids, open/close.
 *
 * <p><b>Why memory access goes through libc here.</b> A thread that touches a userfaultfd-registered
 * page blocks inside the kernel until the fault is resolved. If it does so with a plain Java
 * access it is "in Java" and cannot reach a safepoint; if the resolving thread lives in the same
 * JVM and stops for that safepoint first, both wait forever. A thread blocked inside a normal
 * (non-critical) downcall is "in native" and safepoints proceed without it. So guest-page accesses
 * made from a JVM that also resolves faults use {@link #memcpy}, {@link #memcmp} and
 * {@link #memset} (see architecture.md, invariants).
 */
public final class Libc {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    private static final MethodHandle MEMCPY = Native.plainCall("memcpy",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MEMCMP = Native.plainCall("memcmp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MEMSET = Native.plainCall("memset",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle GETPID = Native.plainCall("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = Native.plainCall("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SCHED_GETCPU = Native.plainCall("sched_getcpu", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SCHED_SETAFFINITY = Native.errnoCall("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_GETAFFINITY = Native.errnoCall("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    /** cpu_set_t is 1024 bits in glibc. */
    private static final long CPU_SET_BYTES = 128;

    private Libc() {}

    /** {@code memcpy(dst, src, len)} as a downcall: safe on registered guest pages (see class doc). */
    public static void memcpy(long dst, long src, long len) {
        try {
            MemorySegment ignored = (MemorySegment) MEMCPY.invokeExact(MemorySegment.ofAddress(dst),
                    MemorySegment.ofAddress(src), len);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code memcmp(a, b, len)} as a downcall; 0 when equal. */
    public static int memcmp(long a, long b, long len) {
        try {
            return (int) MEMCMP.invokeExact(MemorySegment.ofAddress(a), MemorySegment.ofAddress(b), len);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code memset(dst, value, len)} as a downcall. */
    public static void memset(long dst, int value, long len) {
        try {
            MemorySegment ignored = (MemorySegment) MEMSET.invokeExact(MemorySegment.ofAddress(dst), value, len);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The kernel thread id of the calling platform thread (what uffd_msg.ptid reports). */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The CPU the caller is running on right now. */
    public static int schedGetcpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * The calling thread's CPU affinity as a bit mask of the first 64 CPUs
     * ({@code sched_getaffinity(0, …)}; 0 = the calling thread).
     */
    public static long getAffinity() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPU_SET_BYTES, 8);
            MemorySegment cs = Native.callState();
            int rc = (int) SCHED_GETAFFINITY.invokeExact(cs, 0, CPU_SET_BYTES, set);
            if (rc < 0) {
                throw new NativeException("sched_getaffinity", Native.errno(cs));
            }
            return set.get(JAVA_LONG, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Pins the calling platform thread to the CPUs in {@code mask} (first 64 CPUs). Used to issue
     * work from a given CPU, e.g. MADV_PAGEOUT, which skips pages still in another CPU's LRU batch.
     */
    public static void setAffinity(long mask) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(CPU_SET_BYTES, 8);
            set.set(JAVA_LONG, 0, mask);
            MemorySegment cs = Native.callState();
            int rc = (int) SCHED_SETAFFINITY.invokeExact(cs, 0, CPU_SET_BYTES, set);
            if (rc < 0) {
                throw new NativeException("sched_setaffinity(0x" + Long.toHexString(mask) + ")", Native.errno(cs));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code open(path, flags | O_CLOEXEC)}; the result has one owner from the first instant. */
    public static OwnedFd open(Path path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            int fd = Syscalls.openRaw(a.allocateFrom(path.toString()), flags | O_CLOEXEC, 0);
            Syscalls.check("open(" + path + ")", fd);
            return OwnedFd.adopt(fd, path.toString());
        }
    }

    /** {@code open} that returns the negative errno instead of throwing (for probes). */
    public static int openRaw(Path path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return Syscalls.openRaw(a.allocateFrom(path.toString()), flags | O_CLOEXEC, 0);
        }
    }

    /** {@code read(fd, buf, len)}: bytes read, or {@code -errno} (EAGAIN/EINTR are the caller's to judge). */
    public static long readRaw(int fd, MemorySegment buf, long len) {
        return Syscalls.readRaw(fd, buf, len);
    }

    static void closeQuietly(int fd) {
        Syscalls.closeRaw(fd);
    }
}
