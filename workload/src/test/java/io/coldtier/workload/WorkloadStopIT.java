package io.coldtier.workload;

import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.NativeException;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A vCPU blocked in a fault that nobody resolves: the situation a dead or deadlocked resolver
 * produces. It must be reported by stop() and pause(), and must not stall the JVM's safepoints.
 */
@Tag("kernel")
@Timeout(60)
class WorkloadStopIT {
    private static final long PAGES = 16;
    private static final long BYTES = PAGES * GuestPages.SMALL_PAGE;

    @Test
    void vcpuBlockedInUnresolvedFault_isReportedStuck_andDoesNotBlockSafepoints() {
        assumeUserfaultfd();
        try (Memfd memfd = Memfd.create("workload-stuck-it", BYTES);
             Mapping mapping = Mapping.shared(memfd.fd(), BYTES, 0)) {
            Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL_USER_MODE_ONLY, 0, 0);
            uffd.register(mapping.address(), BYTES, Userfaultfd.REGISTER_MODE_MISSING);
            Workload w = Workload.start(GuestPages.small(mapping.address(), BYTES),
                    WorkloadSpec.defaults().withThreads(1));
            try {
                // A vCPU marks a page before touching it: once a mark exists, it is inside (or
                // about to enter) the access, and cannot reach a pause boundary until it completes.
                while (w.groundTruth().cutEpoch().touches() == 0) {
                    Thread.onSpinWait();
                }
                assertThat(w.pause(Duration.ofMillis(300))).as("a blocked vCPU never reaches the boundary").isFalse();
                w.resume();
                System.gc(); // needs a safepoint: hangs here if the blocked vCPU were "in Java"

                Workload.StopResult stuck = w.stop(Duration.ofMillis(300));

                assertThat(stuck.allStopped()).isFalse();
                assertThat(stuck.stuckThreads()).singleElement().asString().startsWith("guest-vcpu-0");
                assertThat(w.stats().ops()).isZero();
                assertThatIllegalStateException().isThrownBy(w::verifyAll);
            } finally {
                // Releasing the uffd unregisters the range and wakes the faulting thread; its access
                // then completes normally and it sees the stop request.
                uffd.close();
                w.stop(Duration.ofSeconds(10));
            }
            Workload.StopResult after = w.stop(Duration.ofSeconds(1));
            assertThat(after.allStopped()).as("stuck: %s", after.stuckThreads()).isTrue();
            assertThat(w.stats().errors()).as("errors: %s", w.stats().firstErrors()).isZero();
            assertThat(w.verifyAll()).isZero();
        }
    }

    /** The user-mode-only uffd is enough here: the faults are plain user-space accesses. */
    private static void assumeUserfaultfd() {
        String why = null;
        try {
            Userfaultfd.probe(UffdOpenMode.SYSCALL_USER_MODE_ONLY);
        } catch (NativeException e) {
            why = "userfaultfd(2) unavailable: " + e.getMessage();
        }
        io.coldtier.linux.KernelTests.assumeKernel(why == null, why);
    }
}
