package io.coldtier.scanner;

import io.coldtier.linux.KernelTests;

/** The native module's kernel-test policy, plus running guest accesses off the test thread. */
final class KernelTestSupport {
    private KernelTestSupport() {}

    static void assumeKernel(boolean condition, String reason) {
        KernelTests.assumeKernel(condition, reason);
    }

    static void assumeUserfaultfd() {
        KernelTests.assumeUserfaultfd();
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
