package io.coldtier.trace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The what-if replay: several policies side by side over one trace, in one pass over the records.
 * A trace file is streamed; the topics are read (bounded, sorted) by {@link KafkaTraceSource} first.
 */
public final class Replay {
    private Replay() {
    }

    /**
     * Splits a {@code --policy} list: commas separate policies, except before a {@code key=value}
     * without a colon, which continues the previous spec ({@code refault-slo:target=0.2%/min,min=2}).
     * A bare {@code budget} gets {@code resident=<budget>} when a budget is given.
     */
    public static List<String> parsePolicies(List<String> args, String budget) {
        List<String> specs = new ArrayList<>();
        for (String arg : args) {
            for (String token : arg.split(",")) {
                String t = token.strip();
                if (t.isEmpty()) {
                    continue;
                }
                if (t.contains("=") && !t.contains(":") && !specs.isEmpty()) {
                    specs.set(specs.size() - 1, specs.getLast() + "," + t);
                } else {
                    specs.add(t);
                }
            }
        }
        if (budget != null && !budget.isBlank()) {
            specs.replaceAll(s -> s.equals("budget") ? "budget:resident=" + budget.strip() : s);
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no policy given");
        }
        return specs;
    }

    /** One simulator per spec, all fed from {@code records} in one pass. */
    public static List<SimResult> run(Iterable<TraceRecord> records, List<String> specs, double slo) {
        List<Simulator> sims = specs.stream().map(s -> new Simulator(s, slo)).toList();
        for (TraceRecord r : records) {
            for (Simulator sim : sims) {
                sim.accept(r);
            }
        }
        return sims.stream().map(Simulator::result).toList();
    }

    public static List<SimResult> runFile(Path trace, List<String> specs, double slo) {
        try (TraceFile.Reader in = TraceFile.reader(trace)) {
            return run(in, specs, slo);
        }
    }

    public static List<SimResult> runTopics(String bootstrapServers, TraceFilter filter,
                                            java.util.Map<Integer, Long> fromOffsets, List<String> specs, double slo) {
        return run(KafkaTraceSource.read(bootstrapServers, filter, fromOffsets).records(), specs, slo);
    }
}
