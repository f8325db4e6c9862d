package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;
import io.coldtier.linux.struct.Pollfd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@code poll(2)} on one descriptor. */
public final class Poll {
    public static final short POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    private static final ThreadLocal<MemorySegment> PFD =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Pollfd.SIZE, 8));

    private Poll() {}

    /**
     * Waits until {@code fd} is readable or {@code timeoutMs} passes (-1 = forever). EINTR counts
     * as "not readable yet"; the caller's loop decides whether to wait again.
     *
     * @return true when readable (or hung up / in error: the next read reports why)
     */
    public static boolean readable(int fd, int timeoutMs) {
        {
            MemorySegment p = PFD.get(); // per thread: the fault loop polls once per batch
            p.fill((byte) 0);
            Pollfd.fd(p, fd);
            Pollfd.events(p, POLLIN);
            int rc = Syscalls.pollRaw(p, 1, timeoutMs);
            if (rc == -Errno.EINTR) {
                return false;
            }
            Syscalls.check("poll", rc);
            if ((Pollfd.revents(p) & POLLNVAL) != 0) {
                throw new NativeException("poll", Errno.EBADF, "fd " + fd + " is not open");
            }
            return rc > 0;
        }
    }
}
