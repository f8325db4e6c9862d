package io.coldtier.cli;

import io.coldtier.bench.NativeBench;
import io.coldtier.bench.TrackingBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code coldtier bench <what>}: benchmarks that print their figures. Never part of the tests. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a benchmark and print its figures.",
        subcommands = {BenchCommand.NativeCmd.class, BenchCommand.TrackingCmd.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

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
}
