package io.coldtier.vmm;

import java.time.Duration;
import java.util.List;

/** What runs on the VMM's guest memory; it checks its own data and counts every corruption it sees. */
public interface Guest extends AutoCloseable {
    /** Counters so far (cheap; for progress lines). */
    Progress progress();

    /**
     * Stops the guest, then verifies every page it ever wrote (which refaults every evicted page through the agent),
     * within {@code timeout}.
     */
    Result finish(Duration timeout);

    /** Releases what the guest holds (not the memory). Idempotent. */
    @Override
    void close();

    /** @param ops operations done; @param errors data errors seen by the guest itself */
    record Progress(long ops, long errors) {}

    /**
     * @param ops            operations done
     * @param errors         data errors the guest saw while running (lost writes, wrong pages, zeros, corruption)
     * @param verifyFailures pages that failed the final full verification; -1 if it did not finish in time
     * @param opsPerSecond   ops over the guest's running time
     * @param runSeconds     the guest's running time
     * @param stuckThreads   vCPUs that did not stop (blocked on a fault nobody resolved)
     * @param firstErrors    up to 20 descriptions of errors
     */
    record Result(long ops, long reads, long writes, long errors, long verifyFailures, double opsPerSecond,
                  double runSeconds, List<String> stuckThreads, List<String> firstErrors) {
        public Result {
            stuckThreads = List.copyOf(stuckThreads);
            firstErrors = List.copyOf(firstErrors);
        }
    }
}
