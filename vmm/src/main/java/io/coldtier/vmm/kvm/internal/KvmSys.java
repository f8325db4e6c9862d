package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The two libc calls the KVM bindings need and the native module does not export publicly:
 * {@code ioctl(2)} and {@code pread(2)} on an arbitrary descriptor. Same pattern as the native
 * module's {@code internal.Native}/{@code Syscalls} (copied, not imported, because that package is
 * the native module's internals): errno is captured by the downcall itself, because the JVM may
 * overwrite the thread's errno before any later Java code runs.
 *
 * <p>No handle is linked {@code critical}: {@code KVM_RUN} blocks for as long as the guest runs,
 * and may block inside the kernel on a userfaultfd fault that another thread of this JVM resolves;
 * a thread in a critical downcall would hold up every safepoint meanwhile.
 */
public final class KvmSys {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** {@code int ioctl(int fd, unsigned long request, ...)}: the third argument is variadic. */
    private static final MethodHandle IOCTL = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PREAD = link("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));

    /** One capture segment per thread, allocated once (KVM_RUN is called per report exit). */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private KvmSys() {}

    /** Linking a downcall is a restricted method; the module runs with --enable-native-access. */
    @SuppressWarnings("restricted")
    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] all = new Linker.Option[extra.length + 1];
        System.arraycopy(extra, 0, all, 0, extra.length);
        all[extra.length] = CAPTURE_ERRNO;
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, all);
    }

    /** {@code ioctl(fd, request, arg)}: the result, or {@code -errno}. Never throws for an errno. */
    public static int ioctlRaw(int fd, long request, MemorySegment arg) {
        MemorySegment cs = STATE.get();
        try {
            int rc = (int) IOCTL.invokeExact(cs, fd, request, arg);
            return rc < 0 ? -(int) ERRNO.get(cs, 0L) : rc;
        } catch (Throwable t) {
            throw new AssertionError("ioctl downcall failed to link or invoke", t);
        }
    }

    /** {@code ioctl} with an integer argument passed by value (KVM_CREATE_VCPU, KVM_CHECK_EXTENSION, …). */
    public static int ioctlRaw(int fd, long request, long value) {
        return ioctlRaw(fd, request, MemorySegment.ofAddress(value));
    }

    /** {@code ioctl} that throws {@link NativeException} naming the request. */
    public static int ioctl(int fd, long request, MemorySegment arg, String name) {
        int rc = ioctlRaw(fd, request, arg);
        if (rc < 0) {
            throw new NativeException("ioctl(" + name + ")", -rc);
        }
        return rc;
    }

    public static int ioctl(int fd, long request, long value, String name) {
        return ioctl(fd, request, MemorySegment.ofAddress(value), name);
    }

    /** {@code pread(fd, buf, len, offset)}: bytes read, or {@code -errno}. */
    public static long preadRaw(int fd, MemorySegment buf, long len, long offset) {
        MemorySegment cs = STATE.get();
        try {
            long rc = (long) PREAD.invokeExact(cs, fd, buf, len, offset);
            return rc < 0 ? -(int) ERRNO.get(cs, 0L) : rc;
        } catch (Throwable t) {
            throw new AssertionError("pread downcall failed to link or invoke", t);
        }
    }
}
