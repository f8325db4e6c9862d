package io.coldtier.linux;

import org.junit.jupiter.api.Assumptions;

/**
 * Skipping policy for tests that need the real kernel. Locally a missing prerequisite (not root,
 * no /dev/userfaultfd) skips with the reason; with {@code COLDTIER_REQUIRE_KERNEL_TESTS=1} (set by
 * .ci/run) the same condition fails the test, so a green CI run proves the kernel tests ran.
 */
public final class KernelTests {
    public static final String REQUIRE_ENV = "COLDTIER_REQUIRE_KERNEL_TESTS";

    private KernelTests() {}

    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE_ENV)) || "true".equalsIgnoreCase(System.getenv(REQUIRE_ENV));
    }

    /** Skips (locally) or fails (in CI) unless {@code condition} holds. */
    public static void assumeKernel(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (required()) {
            throw new AssertionError("kernel test cannot run but " + REQUIRE_ENV + " is set: " + reason);
        }
        Assumptions.assumeTrue(false, reason);
    }

    /** A userfaultfd that sees kernel-mode faults can be created here (root or the sysctl). */
    public static void assumeUserfaultfd() {
        boolean ok;
        String why;
        try {
            Userfaultfd.probe(UffdOpenMode.SYSCALL);
            ok = true;
            why = null;
        } catch (NativeException e) {
            ok = false;
            why = "userfaultfd(2) unavailable: " + e.getMessage()
                    + " (run as root or set vm.unprivileged_userfaultfd=1)";
        }
        assumeKernel(ok, why);
    }
}
