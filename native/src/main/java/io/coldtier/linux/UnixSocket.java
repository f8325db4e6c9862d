package io.coldtier.linux;

import io.coldtier.linux.internal.SocketCalls;
import io.coldtier.linux.internal.Syscalls;
import io.coldtier.linux.struct.Cmsghdr;
import io.coldtier.linux.struct.Iovec;
import io.coldtier.linux.struct.Msghdr;
import io.coldtier.linux.struct.SockaddrUn;
import io.coldtier.linux.struct.Ucred;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An AF_UNIX stream socket that can carry file descriptors (SCM_RIGHTS) and tell who is on the
 * other end (SO_PEERCRED). The JDK's UnixDomainSocketAddress channels can do neither, and the
 * VMM hand-over needs both. Owns its descriptor.
 */
public final class UnixSocket implements AutoCloseable {
    static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1, SO_PEERCRED = 17, SCM_RIGHTS = 1;
    static final int MSG_NOSIGNAL = 0x4000, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;
    /** The kernel's SCM_MAX_FD: at most this many descriptors per message. */
    public static final int MAX_FDS = 253;

    /** Who is connected: from SO_PEERCRED, filled in by the kernel at connect time. */
    public record PeerCredentials(int pid, int uid, int gid) {}

    /**
     * A received message: the bytes, the descriptors that came with them (now owned by the
     * caller), and whether the kernel had to drop some (buffer too small: MSG_CTRUNC).
     */
    public record Received(byte[] data, List<OwnedFd> fds, boolean controlTruncated) implements AutoCloseable {
        /** Closes every received descriptor not yet taken over (release()d) by someone else. */
        @Override
        public void close() {
            fds.forEach(OwnedFd::close);
        }
    }

    private final OwnedFd fd;

    private UnixSocket(OwnedFd fd) {
        this.fd = fd;
    }

    private static OwnedFd newSocket() {
        int s = SocketCalls.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Syscalls.check("socket(AF_UNIX)", s);
        return OwnedFd.adopt(s, "unix socket");
    }

    /** Binds and listens on {@code path} (which must not exist). */
    public static UnixSocket listen(Path path, int backlog) {
        OwnedFd s = newSocket();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = address(a, path);
            Syscalls.check("bind(" + path + ")", SocketCalls.bind(s.get(), addr, (int) SockaddrUn.SIZE));
            Syscalls.check("listen(" + path + ")", SocketCalls.listen(s.get(), backlog));
            return new UnixSocket(s);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSocket connect(Path path) {
        OwnedFd s = newSocket();
        try (Arena a = Arena.ofConfined()) {
            Syscalls.check("connect(" + path + ")",
                    SocketCalls.connect(s.get(), address(a, path), (int) SockaddrUn.SIZE));
            return new UnixSocket(s);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A connected pair (for tests and for a parent handing one end to a child). */
    public static UnixSocket[] pair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sv = a.allocate(ValueLayout.JAVA_INT, 2);
            Syscalls.check("socketpair(AF_UNIX)", SocketCalls.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
            return new UnixSocket[] {
                new UnixSocket(OwnedFd.adopt(sv.getAtIndex(ValueLayout.JAVA_INT, 0), "unix socket")),
                new UnixSocket(OwnedFd.adopt(sv.getAtIndex(ValueLayout.JAVA_INT, 1), "unix socket")),
            };
        }
    }

    private static MemorySegment address(Arena a, Path path) {
        MemorySegment addr = SockaddrUn.allocate(a);
        SockaddrUn.family(addr, (short) AF_UNIX);
        SockaddrUn.path(addr, path.toString());
        return addr;
    }

    /** Waits for a connection (blocking, in native state). */
    public UnixSocket accept() {
        while (true) {
            int c = SocketCalls.accept4(fd.get(), SOCK_CLOEXEC);
            if (c == -Errno.EINTR) {
                continue;
            }
            Syscalls.check("accept4", c);
            return new UnixSocket(OwnedFd.adopt(c, "unix connection"));
        }
    }

    public int fd() {
        return fd.get();
    }

    /** SO_PEERCRED of the connected peer. */
    public PeerCredentials peerCredentials() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = Ucred.allocate(a);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) Ucred.SIZE);
            Syscalls.check("getsockopt(SO_PEERCRED)", SocketCalls.getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, cred, len));
            return new PeerCredentials(Ucred.pid(cred), Ucred.uid(cred), Ucred.gid(cred));
        }
    }

    /**
     * Sends {@code data} (non-empty: a zero-byte message cannot carry descriptors on a stream
     * socket) with {@code fds} attached as SCM_RIGHTS. The descriptors stay owned by the caller;
     * the receiver gets duplicates.
     */
    public void send(byte[] data, int... fds) {
        if (data.length == 0) {
            throw new IllegalArgumentException("a message carrying descriptors needs at least one byte");
        }
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message, got " + fds.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(data.length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, buf, 0, data.length);
            MemorySegment iov = Iovec.allocate(a);
            MemorySegment msg = Msghdr.allocate(a);
            Msghdr.iov(msg, iov.address());
            Msghdr.iovlen(msg, 1);
            if (fds.length > 0) {
                long dataLen = 4L * fds.length;
                MemorySegment control = a.allocate(Cmsghdr.space(dataLen), 8);
                Cmsghdr.len(control, Cmsghdr.length(dataLen));
                Cmsghdr.level(control, SOL_SOCKET);
                Cmsghdr.type(control, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(ValueLayout.JAVA_INT, Cmsghdr.DATA_OFFSET + 4L * i, fds[i]);
                }
                Msghdr.control(msg, control.address());
                Msghdr.controllen(msg, control.byteSize());
            }
            long sent = 0;
            while (sent < data.length) {
                Iovec.base(iov, buf.address() + sent);
                Iovec.len(iov, data.length - sent);
                long n = SocketCalls.sendmsg(fd.get(), msg, MSG_NOSIGNAL);
                if (n == -Errno.EINTR) {
                    continue;
                }
                Syscalls.check("sendmsg", n);
                sent += n;
                Msghdr.control(msg, 0); // descriptors travel with the first byte only
                Msghdr.controllen(msg, 0);
            }
        }
    }

    /**
     * Receives up to {@code maxBytes} with up to {@code maxFds} descriptors. Returns an empty
     * {@code data} array at end of stream. Received descriptors are close-on-exec.
     */
    public Received receive(int maxBytes, int maxFds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, maxBytes));
            MemorySegment iov = Iovec.allocate(a);
            Iovec.base(iov, buf.address());
            Iovec.len(iov, maxBytes);
            long controlLen = Cmsghdr.space(4L * Math.max(1, Math.min(maxFds, MAX_FDS)));
            MemorySegment control = a.allocate(controlLen, 8);
            MemorySegment msg = Msghdr.allocate(a);
            Msghdr.iov(msg, iov.address());
            Msghdr.iovlen(msg, 1);
            Msghdr.control(msg, control.address());
            Msghdr.controllen(msg, controlLen);
            long n;
            do {
                n = SocketCalls.recvmsg(fd.get(), msg, MSG_CMSG_CLOEXEC);
            } while (n == -Errno.EINTR);
            Syscalls.check("recvmsg", n);
            List<OwnedFd> fds = collectFds(control, Msghdr.controllen(msg));
            byte[] data = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            return new Received(data, fds, (Msghdr.flags(msg) & MSG_CTRUNC) != 0);
        }
    }

    private static List<OwnedFd> collectFds(MemorySegment control, long controlLen) {
        List<OwnedFd> fds = new ArrayList<>();
        long off = 0;
        while (off + Cmsghdr.SIZE <= controlLen) {
            MemorySegment h = control.asSlice(off);
            long len = Cmsghdr.len(h);
            if (len < Cmsghdr.SIZE) {
                break;
            }
            if (Cmsghdr.level(h) == SOL_SOCKET && Cmsghdr.type(h) == SCM_RIGHTS) {
                long count = (len - Cmsghdr.DATA_OFFSET) / 4;
                for (int i = 0; i < count; i++) {
                    fds.add(OwnedFd.adopt(h.get(ValueLayout.JAVA_INT, Cmsghdr.DATA_OFFSET + 4L * i), "received fd"));
                }
            }
            off += Cmsghdr.align(len);
        }
        return fds;
    }

    /** Half-closes the sending side so the peer reads end of stream. */
    public void shutdownOutput() {
        SocketCalls.shutdown(fd.get(), 1);
    }

    @Override
    public void close() {
        fd.close();
    }
}
