package io.coldtier.cli;

import io.coldtier.bus.KafkaSettings;
import io.coldtier.fleet.FleetAnalysis;
import io.coldtier.fleet.FleetFiles;
import io.coldtier.fleet.FleetOptions;
import io.coldtier.fleet.FleetReader;
import io.coldtier.fleet.FleetReport;
import io.coldtier.fleet.FleetReportWriter;
import io.coldtier.demo.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code coldtier report fleet}: reports over the recorded topics. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Reports made from the coldtier topics.",
        subcommands = ReportCommand.Fleet.class)
public final class ReportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a report: fleet");
    }

    /** {@code coldtier report fleet --bootstrap-servers B --output DIR}. */
    @Command(name = "fleet", mixinStandardHelpOptions = true,
            description = {
                "Fleet analytics: read coldtier.vms, scans, faults and evictions of every agent from the beginning",
                "to their end offsets at start, and write per-host and per-VM cold memory by idle age, working set",
                "over time, refault rates, memory saved and the top VMs by reclaimable memory as report.html,",
                "fleet.json, vms.csv, hosts.csv and series.csv.",
            })
    static final class Fleet implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT",
                description = "The Kafka cluster.")
        String bootstrapServers;

        @Option(names = "--output", required = true, paramLabel = "DIR",
                description = "Directory for the report (created).")
        Path output;

        @Option(names = "--reclaim-age", paramLabel = "DURATION", defaultValue = "60s",
                description = "Pages idle at least this long are reclaimable (default 60s).")
        String reclaimAge;

        @Option(names = "--window", paramLabel = "DURATION", defaultValue = "10s",
                description = "Working-set window: pages seen within it (default 10s).")
        String window;

        @Option(names = "--prefetch-window", paramLabel = "PAGES", defaultValue = "8",
                description = "The agents' refault prefetch window, each side (default 8, the agent's).")
        int prefetchWindow;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
                description = "Longest time for reading the topics (default 120s).")
        String timeout;

        @Override
        public Integer call() {
            FleetOptions options;
            Duration readTimeout;
            try {
                options = FleetOptions.defaults().withReclaimAge(Units.duration("--reclaim-age", reclaimAge))
                        .withWorkingSetWindow(Units.duration("--window", window))
                        .withPrefetchWindow(prefetchWindow);
                readTimeout = Units.duration("--timeout", timeout);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            FleetReader.Read read = FleetReader.read(KafkaSettings.of(bootstrapServers, "coldtier-report"),
                    readTimeout);
            FleetReport report = FleetAnalysis.analyse(read.input(), options, Clock.systemUTC());
            FleetFiles files = FleetReportWriter.write(report, output);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "fleet report: %d VMs on %d host(s) from %d scans, %d faults, %d evict commands"
                            + " (%d undecodable records skipped)%n", report.vms().size(), report.hosts().size(),
                    report.records().scans(), report.records().faults(), report.records().evictions(),
                    read.undecodable());
            out.println("report: " + files.html().toAbsolutePath());
            out.println("json: " + files.json().toAbsolutePath() + "  csv: " + files.vmsCsv().toAbsolutePath()
                    + ", " + files.hostsCsv().getFileName() + ", " + files.seriesCsv().getFileName());
            out.flush();
            return 0;
        }
    }
}
