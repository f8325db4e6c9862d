package io.coldtier.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code coldtier} command; every process coldtier runs is a subcommand wired here. */
@Command(name = "coldtier", mixinStandardHelpOptions = true, version = "coldtier 0.1.0",
        description = "coldtier tracks the working set of VM guest memory with userfaultfd (the RWP series"
                + " where the kernel has it, zap + write-protect on stock kernels >= 6.7) and moves cold pages"
                + " to a slower tier, streaming fault and access events through Kafka.",
        subcommands = {
            ProbeCommand.class,
            BenchCommand.class,
            TierStoreCommand.class,
            EvictorCommand.class,
            AgentCommand.class,
            VmmCommand.class,
            BrokerCommand.class,
            DemoCommand.class,
            ReportCommand.class,
            TraceCommand.class, ReplayCommand.class,
        })
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        io.coldtier.cli.ops.Logfmt.useShutdownSafeManager();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Runs only when no subcommand was given: that is a usage error, so picocli prints the usage to stderr. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand");
    }
}
