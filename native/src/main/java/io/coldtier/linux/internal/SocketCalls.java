package io.coldtier.linux.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Raw socket downcalls; each returns the result or {@code -errno}. Used by UnixSocket only. */
public final class SocketCalls {
    private static final MethodHandle SOCKET = Native.errnoCall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = Native.errnoCall("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND = Native.errnoCall("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = Native.errnoCall("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = Native.errnoCall("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = Native.errnoCall("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = Native.errnoCall("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = Native.errnoCall("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = Native.errnoCall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SHUTDOWN = Native.errnoCall("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private SocketCalls() {}

    private static long rc(long rc, MemorySegment cs) {
        return rc < 0 ? -Native.errno(cs) : rc;
    }

    public static int socket(int domain, int type, int protocol) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) SOCKET.invokeExact(cs, domain, type, protocol), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int socketpair(int domain, int type, int protocol, MemorySegment sv) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) SOCKETPAIR.invokeExact(cs, domain, type, protocol, sv), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int bind(int fd, MemorySegment addr, int len) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) BIND.invokeExact(cs, fd, addr, len), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int connect(int fd, MemorySegment addr, int len) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) CONNECT.invokeExact(cs, fd, addr, len), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int listen(int fd, int backlog) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) LISTEN.invokeExact(cs, fd, backlog), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int accept4(int fd, int flags) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) ACCEPT4.invokeExact(cs, fd, MemorySegment.NULL, MemorySegment.NULL, flags), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long sendmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment cs = Native.callState();
        try {
            return rc((long) SENDMSG.invokeExact(cs, fd, msg, flags), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long recvmsg(int fd, MemorySegment msg, int flags) {
        MemorySegment cs = Native.callState();
        try {
            return rc((long) RECVMSG.invokeExact(cs, fd, msg, flags), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment len) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) GETSOCKOPT.invokeExact(cs, fd, level, name, value, len), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int shutdown(int fd, int how) {
        MemorySegment cs = Native.callState();
        try {
            return (int) rc((int) SHUTDOWN.invokeExact(cs, fd, how), cs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
