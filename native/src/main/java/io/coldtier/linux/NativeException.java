package io.coldtier.linux;

/**
 * A system call failed with an errno the caller did not expect. Carries the call (with the ioctl
 * name where there is one), the errno value, its symbolic name and glibc's message, so a log line
 * alone says what went wrong: {@code ioctl(UFFDIO_REGISTER) failed: EINVAL (Invalid argument)}.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String syscall;
    private final int errno;

    public NativeException(String syscall, int errno) {
        this(syscall, errno, null);
    }

    public NativeException(String syscall, int errno, String detail) {
        super(syscall + " failed: " + Errno.name(errno) + " (" + Errno.strerror(errno) + ")"
                + (detail == null ? "" : ": " + detail));
        this.syscall = syscall;
        this.errno = errno;
    }

    /** What was called, e.g. {@code "ioctl(UFFDIO_COPY)"} or {@code "memfd_create"}. */
    public String syscall() {
        return syscall;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }
}
