package io.coldtier.cli;

import io.coldtier.trace.KafkaTraceSink;
import io.coldtier.trace.KafkaTraceSource;
import io.coldtier.trace.LibCacheSimCsv;
import io.coldtier.trace.TraceFile;
import io.coldtier.trace.TraceFilter;
import io.coldtier.trace.TraceRecord;
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
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code coldtier trace export|import|csv}: recorded scans and faults as portable files and back. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Export the scan and fault topics to a portable trace file, import one, or convert one to libCacheSim csv.",
        subcommands = {TraceCommand.ExportCmd.class, TraceCommand.ImportCmd.class, TraceCommand.CsvCmd.class})
final class TraceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: choose one of " + spec.subcommands().keySet());
    }

    /** The time/VM range options shared by export and csv. */
    static final class Range {
        @Option(names = "--from", description = "First event time to keep (ISO-8601 instant, e.g. 2026-11-27T03:00:00Z).")
        String from;

        @Option(names = "--to", description = "Event time to stop before (ISO-8601 instant).")
        String to;

        @Option(names = "--vm", split = ",", description = "VM ids to keep (repeatable or comma-separated; default all).")
        List<String> vms = List.of();

        TraceFilter filter(CommandSpec spec) {
            try {
                return new TraceFilter(from == null ? null : Instant.parse(from), to == null ? null : Instant.parse(to),
                        Set.copyOf(vms));
            } catch (DateTimeParseException | IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "bad range: " + e.getMessage());
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Read coldtier.scans and coldtier.faults (up to their end offsets at start) and write",
                "the records in a time/VM range to an Avro object container file (schemas embedded)."})
    static final class ExportCmd implements Callable<Integer> {
        @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
        String bootstrap;

        @Option(names = {"-o", "--out"}, required = true, description = "Trace file to write.")
        Path out;

        @Option(names = "--compression", defaultValue = "zstd", description = "zstd, deflate or none (default: ${DEFAULT-VALUE}).")
        String compression;

        @picocli.CommandLine.ArgGroup(exclusive = false)
        Range range = new Range();

        @Option(names = "--csv", description = "Also write the libCacheSim csv form to this file.")
        Path csv;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            TraceFilter filter = (range == null ? new Range() : range).filter(spec);
            TraceFile.Compression c;
            try {
                c = TraceFile.Compression.parse(compression);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            KafkaTraceSource.Result result = KafkaTraceSource.read(bootstrap, filter);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("source", bootstrap);
            meta.put("filter", filter.toString());
            meta.put("exportedAt", Instant.now().toString());
            meta.put("records", Integer.toString(result.records().size()));
            TraceFile.write(out, result.records(), c, meta);
            long scans = result.records().stream().filter(r -> r instanceof TraceRecord.Scan).count();
            System.out.printf("exported %d scans and %d faults (%d unreadable skipped) to %s (%d bytes, %s)%n", scans,
                    result.records().size() - scans, result.skipped(), out, Files.size(out), c.name().toLowerCase());
            if (csv != null) {
                writeCsv(result.records(), csv);
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Write a trace file's records into coldtier.scans / coldtier.faults (topics created if missing).")
    static final class ImportCmd implements Callable<Integer> {
        @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
        String bootstrap;

        @Option(names = "--partitions", defaultValue = "3", description = "Partitions for topics created here (default: ${DEFAULT-VALUE}).")
        int partitions;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "TRACE", description = "The trace file.")
        Path trace;

        @Override
        public Integer call() {
            try (TraceFile.Reader in = TraceFile.reader(trace); KafkaTraceSink sink = new KafkaTraceSink(bootstrap, partitions)) {
                for (TraceRecord r : in) {
                    sink.accept(r);
                }
                sink.flush();
                System.out.printf("imported %d records from %s into %s%n", sink.written(), trace, bootstrap);
            }
            return 0;
        }
    }

    @Command(name = "csv", mixinStandardHelpOptions = true,
            description = {"Convert a trace file to libCacheSim's csv trace form: time,obj_id,obj_size,vm,region,page",
                "(one page access per line; see trace/README.md for the cachesim command line)."})
    static final class CsvCmd implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "TRACE", description = "The trace file.")
        Path trace;

        @Option(names = {"-o", "--out"}, required = true, description = "csv file to write.")
        Path out;

        @Override
        public Integer call() throws IOException {
            writeCsv(TraceFile.readAll(trace), out);
            return 0;
        }
    }

    static void writeCsv(Iterable<TraceRecord> records, Path out) throws IOException {
        try (LibCacheSimCsv csv = new LibCacheSimCsv(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            records.forEach(csv::accept);
            System.out.printf("wrote %d page accesses to %s; VM index: %s%n", csv.lines(), out, csv.vmIndex());
        }
    }
}
