package io.coldtier.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * The one place that links libc symbols and captures {@code errno}.
 *
 * <p>Every downcall that can fail is linked with {@code captureCallState("errno")}: the JVM itself
 * may overwrite the thread's errno between the native call and any later Java code, so reading it
 * afterwards through another downcall would be unreliable. The capture segment is the first
 * argument of every such handle; {@link #callState()} hands out one per thread, allocated once.
 *
 * <p>No handle here is linked {@code critical}: a critical downcall skips the Java-to-native thread
 * state transition, so a thread blocked in it on a userfaultfd fault would stall every safepoint
 * (see architecture.md, "No thread faults in Java state").
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();
    public static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One capture segment per platform or virtual thread, reclaimed with the thread. */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Native() {}

    /** Links {@code name} with errno capture; the returned handle takes the call-state segment first. */
    public static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = CAPTURE_ERRNO;
        return LINKER.downcallHandle(symbol(name), fd, all);
    }

    /** Links {@code name} for functions that cannot fail (memcpy, strerror, getpid). */
    public static MethodHandle plainCall(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** This thread's errno capture segment; pass it as the first argument of an {@link #errnoCall}. */
    public static MemorySegment callState() {
        return STATE.get();
    }

    /** The errno the last downcall through {@code state} left behind. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }
}
