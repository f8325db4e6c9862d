package io.coldtier.linux;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one owner of a file descriptor. Wrap a raw fd the moment a syscall returns it, so no code
 * path between the syscall and the owner can leak it. {@link #close()} is idempotent and
 * thread-safe; {@link #get()} after close fails loudly instead of touching a number the kernel may
 * already have handed to somebody else.
 */
public final class OwnedFd implements AutoCloseable {
    private static final int CLOSED = -1;

    private final AtomicInteger fd;
    private final String what;

    private OwnedFd(int fd, String what) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd + " (" + what + ")");
        }
        this.fd = new AtomicInteger(fd);
        this.what = what;
    }

    /** Takes ownership of {@code fd}; {@code what} names it in errors ("userfaultfd", "memfd pages"). */
    public static OwnedFd adopt(int fd, String what) {
        return new OwnedFd(fd, what);
    }

    /** The raw descriptor, for a syscall. */
    public int get() {
        int v = fd.get();
        if (v == CLOSED) {
            throw new IllegalStateException(what + " is closed");
        }
        return v;
    }

    public boolean isOpen() {
        return fd.get() != CLOSED;
    }

    public String what() {
        return what;
    }

    /**
     * Gives the descriptor up without closing it (after it was passed to another owner, e.g. a
     * {@link Userfaultfd}); this object is closed afterwards.
     */
    public int release() {
        int v = fd.getAndSet(CLOSED);
        if (v == CLOSED) {
            throw new IllegalStateException(what + " is closed");
        }
        return v;
    }

    @Override
    public void close() {
        int v = fd.getAndSet(CLOSED);
        if (v != CLOSED) {
            // close(2) must not be retried on EINTR on Linux: the fd is released either way.
            Libc.closeQuietly(v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return what + (v == CLOSED ? " (closed)" : " fd " + v);
    }
}
