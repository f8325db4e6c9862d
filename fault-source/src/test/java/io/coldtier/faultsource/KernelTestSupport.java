package io.coldtier.faultsource;

import io.coldtier.linux.NativeException;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;
import org.junit.jupiter.api.Assumptions;

/**
 * Kernel-test skipping policy (same as the native module's): skip with the reason locally, fail
 * when {@code COLDTIER_REQUIRE_KERNEL_TESTS=1} (.ci/run sets it).
 */
final class KernelTestSupport {
    private KernelTestSupport() {}

    static void assumeKernel(boolean condition, String reason) {
        if (condition) {
            return;
        }
        String req = System.getenv("COLDTIER_REQUIRE_KERNEL_TESTS");
        if ("1".equals(req) || "true".equalsIgnoreCase(req)) {
            throw new AssertionError("kernel test cannot run but COLDTIER_REQUIRE_KERNEL_TESTS is set: " + reason);
        }
        Assumptions.assumeTrue(false, reason);
    }

    static void assumeUserfaultfd() {
        String why = null;
        try {
            Userfaultfd.probe(UffdOpenMode.SYSCALL);
        } catch (NativeException e) {
            why = "userfaultfd(2) unavailable: " + e.getMessage();
        }
        assumeKernel(why == null, why);
    }
}
