package io.coldtier.vmm.kvm;

import io.coldtier.linux.KernelTests;

import java.time.Duration;
import java.util.function.Predicate;

/** The KernelTests policy applied to KVM, and waiting helpers for guest ITs. */
final class KvmTests {
    private KvmTests() {}

    /** Skips locally, fails with COLDTIER_REQUIRE_KERNEL_TESTS=1, unless a KVM guest can run here. */
    static KvmProbe assumeKvm() {
        KvmProbe probe = KvmGuest.available();
        KernelTests.assumeKernel(probe.usable(), probe.describe());
        return probe;
    }

    /** Polls {@link KvmGuest#stats()} until {@code condition} holds; fails with the last stats. */
    static GuestStats awaitStats(KvmGuest guest, Predicate<GuestStats> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        GuestStats s = guest.stats();
        while (!condition.test(s)) {
            guest.failure().ifPresent(f -> {
                throw new AssertionError("guest failed while waiting for " + what, f);
            });
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last: " + s);
            }
            Thread.sleep(5);
            s = guest.stats();
        }
        return s;
    }

    /** Every vCPU has been through at least {@code sweeps} full rounds of its slice after init. */
    static Predicate<GuestStats> sweeps(KvmGuest guest, long sweeps) {
        return s -> s.vcpus().stream().allMatch(v ->
                v.ops() >= sweeps * guest.layout().slicePages(v.vcpu()));
    }
}
