package io.coldtier.scanner;

import io.coldtier.linux.NativeException;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;
import org.junit.jupiter.api.Assumptions;

/** Kernel-test skipping policy: skip locally with the reason; fail with COLDTIER_REQUIRE_KERNEL_TESTS=1. */
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

    /** Runs {@code r} on a fresh platform thread and waits: guest accesses never run on the test thread. */
    static void onPlatformThread(Runnable r) throws InterruptedException {
        Throwable[] err = new Throwable[1];
        Thread t = Thread.ofPlatform().name("guest-access").start(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        t.join(java.time.Duration.ofSeconds(60));
        if (t.isAlive()) {
            throw new AssertionError("guest access thread hung");
        }
        if (err[0] != null) {
            throw new AssertionError("guest access failed", err[0]);
        }
    }
}
