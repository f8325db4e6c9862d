package io.coldtier.bench.peers;

import io.coldtier.agent.AgentService;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.scanner.CycleReport;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The coldtier row: the guest hands its memfd and userfaultfd over to an agent host of an embedded stack (zap
 * backend, the given policy) exactly as a VMM does, and runs the same workload. The machinery's CPU is this JVM's
 * CPU time over the guest's warm-up and timed phase (the stack is the only work in it then).
 */
final class ColdtierPeer {
    /** The evictor's default policy (`coldtier evictor`, `coldtier demo`). */
    static final String DEFAULT_POLICY = "idle-age:cycles=3";

    /** Longest warm-up of the coldtier row: the timed phase starts here even if the out-of-RAM count never settled. */
    static final double MAX_WARMUP_SECONDS = 90;
    /**
     * The eviction burst counts as over when the number of pages out of RAM (evicted − refaulted − prefetched) moved
     * by less than {@link #SETTLED_FRACTION} of the guest over this many 1 s polls. Not "no eviction at all": with
     * pages touched now and then, idle-age keeps evicting what refaults brought back, a steady churn.
     */
    static final int SETTLED_POLLS = 5;
    static final double SETTLED_FRACTION = 0.005;

    /** What the row measured besides the guest's own figures. */
    record Extra(double handlerP50Us, double handlerP99Us, long refaults, long evictedPages, long prefetched,
                 String backend, long zaps) {}

    private ColdtierPeer() {}

    /**
     * Runs the row. The warm-up lasts at least {@code params.warmupSeconds()} and until the first eviction burst
     * is over (the out-of-RAM count steady for {@link #SETTLED_POLLS} s, at most {@link #MAX_WARMUP_SECONDS}), so
     * the timed phase measures the steady state, as the kernel rows do (they reach it during populate).
     */
    static PeerRow run(Path guest, PeerGuest.Params params, Path dir, String policy,
                       AtomicReference<Extra> extra) throws IOException {
        PeerGuest.Params longest = new PeerGuest.Params(params.bytes(), params.seconds(),
                Math.max(params.warmupSeconds(), MAX_WARMUP_SECONDS), params.hotPercent(), params.hotAccessPpm(),
                params.slowNs());
        String vmId = "peers-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
        try (ColdtierStack stack = ColdtierStack.start(dir, policy, Duration.ofSeconds(1))) {
            List<long[]> cycles = new ArrayList<>(); // {nanoTime, accessed pages}
            long[] cpu = new long[2];
            long[] readyAt = new long[1];
            AtomicReference<Extra> figures = new AtomicReference<>();
            long storedBefore = stack.bytesStored();
            AtomicReference<Thread> settler = new AtomicReference<>();
            Map<String, Long> f;
            try {
                f = PeerGuest.run(guest, longest, new PeerGuest.HandOver(stack.socket(), vmId),
                    pid -> { },
                    () -> {
                        cpu[1] = processCpuNanos();
                        readyAt[0] = System.nanoTime();
                        AgentService a = stack.host().agent(vmId).orElseThrow(() -> new IllegalStateException(
                                "the agent host has no session for " + vmId + " at the end of the run"));
                        FaultMetrics m = a.engine().metrics();
                        Histogram h = m.refaultLatencyInterval();
                        figures.set(new Extra(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                                m.refaults.sum(), m.evictedPages.sum(), m.prefetched.sum(), a.tracker().describe(), 0));
                    },
                    start -> {
                        // The hand-over was accepted: the machinery's CPU and every cycle's scan count from here.
                        AgentService a = stack.host().agent(vmId).orElseThrow(() -> new IllegalStateException(
                                "the agent host has no session for " + vmId + " after the hand-over"));
                        cpu[0] = processCpuNanos();
                        settler.set(Thread.ofPlatform().daemon().name("bench-peers-settle").start(
                                () -> endWarmupWhenSettled(a.engine().metrics(), params.bytes() / PeerRow.PAGE,
                                        params.warmupSeconds(), start)));
                        a.engine().metrics().refaultLatencyInterval(); // drop latencies from before the hand-over
                        a.engine().onCycle((CycleReport r) -> {
                            synchronized (cycles) {
                                cycles.add(new long[] {System.nanoTime(), r.scan().accessedCount()});
                            }
                        });
                    });
            } finally {
                // It polls until the burst settles, which may never happen when the warm-up ended at its cap.
                Thread t = settler.get();
                if (t != null) {
                    t.interrupt();
                }
            }
            long timedFrom = readyAt[0] - (long) (params.seconds() * 1e9);
            double estimate;
            synchronized (cycles) {
                estimate = cycles.stream().filter(c -> c[0] >= timedFrom && c[0] <= readyAt[0])
                        .mapToLong(c -> c[1]).average().orElse(Double.NaN);
            }
            Extra e = figures.get();
            extra.set(new Extra(e.handlerP50Us(), e.handlerP99Us(), e.refaults(), e.evictedPages(), e.prefetched(),
                    e.backend(), PeersBench.get(f, "zaps")));
            long stored = stack.bytesStored() - storedBefore;
            String detail = String.format(Locale.ROOT, "RocksDB %s, Kafka log %s on disk",
                    PeersReport.mib(stack.rocksDbDiskBytes()), PeersReport.mib(stack.kafkaDiskBytes()));
            return PeersBench.row("coldtier", -1, f, e.refaults(), (cpu[1] - cpu[0]) / 1e6, stored, detail, estimate);
        }
    }

    private static void endWarmupWhenSettled(FaultMetrics m, long pages, double minSeconds, Runnable start) {
        long t0 = System.nanoTime();
        java.util.ArrayDeque<Long> out = new java.util.ArrayDeque<>();
        try {
            while (true) {
                Thread.sleep(1000);
                long now = m.evictedPages.sum() - m.refaults.sum() - m.prefetched.sum();
                out.addLast(now);
                if (out.size() > SETTLED_POLLS + 1) {
                    out.removeFirst();
                }
                boolean settled = out.size() == SETTLED_POLLS + 1 && now > 0
                        && Math.abs(now - out.getFirst()) < SETTLED_FRACTION * pages;
                if (settled && (System.nanoTime() - t0) / 1e9 >= minSeconds) {
                    start.run();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the guest already ended its warm-up (at the cap) and exited: nothing to end
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
