package io.coldtier.cli;

import io.coldtier.bench.NativeBench;
import io.coldtier.bench.TrackingBench;
import io.coldtier.bench.peers.PeersBench;
import io.coldtier.bench.pipeline.PipelineBench;
import io.coldtier.cli.ops.Logfmt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code coldtier bench <what>}: benchmarks that print their figures. Never part of the tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a benchmark and print its figures.",
        subcommands = {BenchCommand.NativeCmd.class, BenchCommand.TrackingCmd.class, BenchCommand.PipelineCmd.class,
            BenchCommand.ReplayCmd.class, BenchCommand.PeersCmd.class})
final class BenchCommand implements Runnable {
    /** Held strongly: java.util.logging keeps loggers weakly, and a GC would drop the level. */
    private static final List<Logger> KAFKA_LOGGERS = List.of(Logger.getLogger("org.apache.kafka"),
            Logger.getLogger("kafka"));

    @Spec
    CommandSpec spec;

    /**
     * For benchmarks that run the embedded stack: the broker, tier-store and evictor log at INFO through
     * java.util.logging, so keep stdout for the figures. Kafka's WARNINGs there are start/stop noise of brokers in
     * one JVM (e.g. __consumer_offsets "already exists" once per consumer); its errors still show.
     */
    static void quietServices() {
        Logfmt.install(Level.WARNING);
        KAFKA_LOGGERS.forEach(l -> l.setLevel(Level.SEVERE));
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing benchmark: choose one of "
                + spec.subcommands().keySet());
    }

    @Command(name = "native", mixinStandardHelpOptions = true,
            description = {"Per-call cost of the FFM bindings next to the same calls in C (gcc -O2):",
                "a trivial downcall, getpid, UFFDIO_WRITEPROTECT and PAGEMAP_SCAN on 1 GiB.",
                "Takes about 1 minute (20 s with --quick)."})
    static final class NativeCmd implements Callable<Integer> {
        @Option(names = "--out", description = "Markdown report file (default: ${DEFAULT-VALUE}).",
                defaultValue = "target/bench-native.md")
        Path out;

        @Option(names = "--quick", description = "One short iteration per benchmark.")
        boolean quick;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return NativeBench.run(System.out, new NativeBench.Options(out, quick));
        }
    }

    @Command(name = "tracking", mixinStandardHelpOptions = true,
            description = {"The tracking engine end to end on the zap backend: arm and hot-scan",
                "cost, refault latency (same CPU and cross-CPU), eviction throughput,",
                "prefetch hit rate, and guest ops/s with and without the engine, each",
                "next to its target. Takes about 1.5 minutes (45 s with --quick)."})
    static final class TrackingCmd implements Callable<Integer> {
        @Option(names = "--guest-size", description = "Guest memory size, e.g. 1g or 512m (default: ${DEFAULT-VALUE}).",
                defaultValue = "1g")
        String guestSize;

        @Option(names = "--seconds", description = "Workload time per run (default: 20, or 6 with --quick).")
        Integer seconds;

        @Option(names = "--quick", description = "Fewer repetitions and short workload runs.")
        boolean quick;

        @Option(names = "--out", description = "Markdown report file (default: ${DEFAULT-VALUE}).",
                defaultValue = "target/bench-tracking.md")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            TrackingBench.Options options;
            try {
                options = TrackingBench.Options.of(out, guestSize, seconds, quick);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            return TrackingBench.run(System.out, options);
        }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"The event pipeline on the real stack, all in this process: an embedded",
                "KRaft broker, the tier-store service (RocksDB, fsync on) and the agent",
                "over a userfaultfd guest, with this command playing the evictor.",
                "Measures: eviction throughput from the agent to RocksDB (raw and LZ4",
                "MB/s); refault latency p50/p99 from the tier-store RPC and from the",
                "agent's in-flight buffer (tier-store stopped), next to the 10-30 us",
                "RPC target; ScanResult page-states/s through the bus into the",
                "evictor-side decoder and into the evictor service.",
                "Needs root or vm.unprivileged_userfaultfd=1. Takes 2-2.5 minutes",
                "(1 with --quick); warnings go to stderr. Figures and their analysis:",
                "bench/README.md."})
    static final class PipelineCmd implements Callable<Integer> {

        @Option(names = "--guest-size", description = "Guest memory size, e.g. 256m or 1g (default: ${DEFAULT-VALUE}).",
                defaultValue = "256m")
        String guestSize;

        @Option(names = "--quick",
                description = "Quarter-guest warm-up, one eviction run, one refault round per source, 2 s of scans.")
        boolean quick;

        @Option(names = "--out", description = "Markdown report file (default: ${DEFAULT-VALUE}).",
                defaultValue = "target/bench-pipeline.md")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PipelineBench.Options options;
            try {
                options = PipelineBench.Options.of(out, guestSize, quick);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            quietServices();
            return PipelineBench.run(System.out, options);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Page-states per second of the replay simulator (coldtier replay) over a synthetic",
                "trace of 1 GiB regions, in memory and from a zstd trace file; target >= 20 M/s.",
                "Takes about 20 s (10 s with --quick). Figures: trace/README.md."})
    static final class ReplayCmd implements Callable<Integer> {
        @Option(names = "--quick", description = "4 VMs x 100 scans, 3 rounds.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            return io.coldtier.trace.ReplayBench.run(System.out, io.coldtier.trace.ReplayBench.Options.defaults(quick));
        }
    }

    @Command(name = "peers", mixinStandardHelpOptions = true,
            description = {"One guest workload (a C program: memfd guest memory, 10 %% of the pages",
                "hot, the rest touched rarely) with no tiering, under coldtier (embedded",
                "broker, tier-store, evictor and agent; the guest hands its memory over",
                "like a VMM; zap backend) and under Linux kernel tiering (the guest in a",
                "memory cgroup, swap on zram0) first at the resident size coldtier",
                "reached, then at each --limit. Reports resident memory saved, ops/s",
                "against no tiering, refault / swap-in latency p50/p99, CPU of the",
                "tiering machinery, bytes written to the tier, the targets met or",
                "missed, coldtier's per-operation engine costs against a C floor in",
                "the same run, and DAMON's working-set estimate against the guest's",
                "ground truth. Needs root and gcc; sets up and removes zram0, the",
                "cgroups and DAMON itself and refuses to run if zram0 is in use.",
                "About 5 minutes (2 with --quick). Writes Markdown, JSON and HTML.",
                "Latest figures: bench/README.md."})
    static final class PeersCmd implements Callable<Integer> {
        @Option(names = "--guest-size", description = "Guest memory size, e.g. 512m or 1g (default: ${DEFAULT-VALUE}).",
                defaultValue = "512m")
        String guestSize;

        @Option(names = "--limit", split = ",", description = "Extra kernel rows: cgroup limits in percent of the "
                + "guest (default: ${DEFAULT-VALUE}).", defaultValue = "50,25")
        List<Integer> limits;

        @Option(names = "--seconds", description = "Timed workload per configuration (default: 20, or 6 with --quick).")
        Double seconds;

        @Option(names = "--warmup", description = "Untimed workload before it, after populate and hand-over "
                + "(default: 15, or 10 with --quick).")
        Double warmup;

        @Option(names = "--cold-access", description = "Fraction of accesses that go uniformly to any page instead "
                + "of the hot 10 %% (default: 0.0001).")
        Double coldAccess;

        @Option(names = "--policy", description = "coldtier's eviction policy (default: the evictor's, "
                + "idle-age:cycles=3).")
        String policy;

        @Option(names = "--quick", description = "6 s timed + 10 s warm-up per configuration, a smaller C-floor region.")
        boolean quick;

        @Option(names = "--out", description = "Markdown report file; .json and .html next to it "
                + "(default: ${DEFAULT-VALUE}).", defaultValue = "target/bench-peers.md")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PeersBench.Options options;
            try {
                options = PeersBench.Options.of(out, guestSize, seconds, warmup, limits, coldAccess, policy, quick);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            quietServices();
            return PeersBench.run(System.out, options);
        }
    }
}
