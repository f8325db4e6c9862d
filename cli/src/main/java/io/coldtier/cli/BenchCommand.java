package io.coldtier.cli;

import io.coldtier.bench.NativeBench;
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
        subcommands = {BenchCommand.NativeCmd.class})
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
}
