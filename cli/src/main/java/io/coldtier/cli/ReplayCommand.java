package io.coldtier.cli;

import io.coldtier.trace.Replay;
import io.coldtier.trace.ReplayReport;
import io.coldtier.trace.SimResult;
import io.coldtier.trace.TraceFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code coldtier replay}: the what-if simulator, the evictor's policies side by side over a recorded trace. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Run evictor policies offline over a trace file (or the live topics) and print, per policy:",
            "memory saved over time (mean, p5), refaults per minute as %% of the working set and the",
            "cycles that violated the refault SLO; writes replay.json and replay.html into --output."})
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Trace file to replay.")
    Path trace;

    @Option(names = "--bootstrap-servers", description = "Replay the live topics of this cluster instead of a file.")
    String bootstrap;

    @Option(names = "--from-offset", split = ",", paramLabel = "PARTITION=OFFSET",
            description = "With --bootstrap-servers: first offset per partition (both topics), e.g. 0=120,1=98.")
    Map<Integer, Long> fromOffsets = new HashMap<>();

    @Option(names = "--from", description = "With --bootstrap-servers: first event time (ISO-8601).")
    String from;

    @Option(names = "--to", description = "With --bootstrap-servers: event time to stop before (ISO-8601).")
    String to;

    @Option(names = "--policy", required = true, paramLabel = "P[,P2...]",
            description = "Policy specs, comma-separated (e.g. idle-age:cycles=3,budget:resident=50%%,refault-slo:target=0.2%%/min).")
    List<String> policies;

    @Option(names = "--budget", description = "Resident budget for a bare 'budget' policy: P%% per region or a size (e.g. 60%%, 512MiB).")
    String budget;

    @Option(names = "--slo", defaultValue = "0.2", description = "Refault SLO, %% of the working set per minute (default: ${DEFAULT-VALUE}).")
    double slo;

    @Option(names = "--output", defaultValue = "replay-out", description = "Directory for replay.json and replay.html (default: ${DEFAULT-VALUE}).")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if ((trace == null) == (bootstrap == null)) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --trace and --bootstrap-servers");
        }
        List<String> specs;
        try {
            specs = Replay.parsePolicies(policies, budget);
            specs.forEach(io.coldtier.evictor.policy.Policies::create);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<SimResult> results;
        String title;
        if (trace != null) {
            results = Replay.runFile(trace, specs, slo);
            title = "coldtier replay of " + trace.getFileName();
        } else {
            TraceFilter filter = new TraceFilter(from == null ? null : Instant.parse(from),
                    to == null ? null : Instant.parse(to), Set.of());
            results = Replay.runTopics(bootstrap, filter, fromOffsets, specs, slo);
            title = "coldtier replay of " + bootstrap;
        }
        System.out.print(ReplayReport.table(results));
        Files.createDirectories(output);
        Files.writeString(output.resolve("replay.json"), ReplayReport.json(results), StandardCharsets.UTF_8);
        Files.writeString(output.resolve("replay.html"), ReplayReport.html(title, results), StandardCharsets.UTF_8);
        System.out.println("wrote " + output.resolve("replay.json") + " and " + output.resolve("replay.html"));
        return 0;
    }
}
