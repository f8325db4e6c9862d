package io.coldtier.linux;

/**
 * The ways to create a userfaultfd. Kernel-mode faults (KVM's GUP, O_DIRECT) need a uffd
 * without {@link #SYSCALL_USER_MODE_ONLY}, which needs root, vm.unprivileged_userfaultfd=1, or
 * access to /dev/userfaultfd.
 */
public enum UffdOpenMode {
    /** {@code userfaultfd(O_CLOEXEC|O_NONBLOCK)}, syscall 323. */
    SYSCALL,
    /** {@code userfaultfd(O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY)}: only user-space faults. */
    SYSCALL_USER_MODE_ONLY,
    /** {@code open("/dev/userfaultfd")} then {@code ioctl(USERFAULTFD_IOC_NEW, O_CLOEXEC|O_NONBLOCK)}. */
    DEV_USERFAULTFD
}
