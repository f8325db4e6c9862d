package io.coldtier.vmm;

import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --guest threads}: the workload generator's vCPU threads ({@code guest-vcpu-N}) on the VMM's guest memory,
 * in this process. Every page they write carries its index, a version and a checksum, and each vCPU checks every
 * page it reads against the version it last wrote, so a lost write, a page restored at the wrong address or as zeros
 * is counted, never read back silently.
 */
final class ThreadsGuest implements Guest {
    private final Workload workload;

    private ThreadsGuest(Workload workload) {
        this.workload = workload;
    }

    static ThreadsGuest start(VmmMemory memory, VmmConfig config) {
        WorkloadSpec spec = WorkloadSpec.defaults().withThreads(config.threads()).withHotFraction(config.hotFraction())
                .withHotShare(0.95).withReadFraction(0.5).withThinkTimeNanos(config.thinkTime().toNanos())
                .withPattern(config.pattern() == VmmConfig.Pattern.SWEEP ? WorkloadSpec.Pattern.SEQUENTIAL_SWEEP
                        : WorkloadSpec.Pattern.HOT_COLD)
                .withSeed(config.seed());
        return new ThreadsGuest(Workload.start(GuestPages.small(memory.address(), memory.size()), spec));
    }

    @Override
    public Progress progress() {
        Workload.Stats s = workload.stats();
        return new Progress(s.ops(), s.errors());
    }

    @Override
    public Result finish(Duration timeout) {
        Workload.StopResult stop = workload.stop(timeout);
        Workload.Stats s = workload.stats();
        long verify = -1;
        List<String> errors = new ArrayList<>(s.firstErrors());
        List<String> stuck = new ArrayList<>(stop.stuckThreads());
        if (stop.allStopped()) {
            verify = verifyAll(timeout);
            if (verify < 0) {
                stuck.add("guest-verify (did not finish within " + timeout + ")");
            }
            errors.addAll(workload.verifyFailures());
        }
        return new Result(s.ops(), s.reads(), s.writes(), s.errors(), verify, s.opsPerSecond(),
                s.elapsed().toNanos() / 1e9, stuck, errors.subList(0, Math.min(20, errors.size())));
    }

    /**
     * Reads every page on a platform thread (a page may be evicted: the read blocks in the kernel until the agent
     * refills it, which a virtual thread must not do while pinned to its carrier).
     */
    private long verifyAll(Duration timeout) {
        long[] bad = {-1};
        Thread t = Thread.ofPlatform().name("guest-verify").daemon(true).start(() -> bad[0] = workload.verifyAll());
        try {
            t.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return t.isAlive() ? -1 : bad[0];
    }

    @Override
    public void close() {
        workload.stop(Duration.ofSeconds(5));
    }
}
