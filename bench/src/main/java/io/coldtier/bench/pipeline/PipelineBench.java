package io.coldtier.bench.pipeline;

import io.coldtier.bench.BenchHost;
import io.coldtier.bench.Report;
import io.coldtier.bench.TrackingBench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The event pipeline on the real stack, in one JVM: eviction throughput from the agent to RocksDB, refault latency
 * from the tier-store RPC and from the agent's in-flight buffer, and the ScanResult rate the bus sustains. Prints
 * progress and a table, and writes it as Markdown ({@code --out}).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp … io.coldtier.bench.pipeline.PipelineBench \
 *     [--guest-size 256m] [--quick] [--out FILE]
 * </pre>
 */
public final class PipelineBench {
    static final String USAGE = "usage: PipelineBench [--guest-size 256m] [--quick] [--out FILE]"
            + "   (default FILE: target/bench-pipeline.md)";
    private static final long SEED = 0xC01D_B105L;
    private static final long MIN_GUEST = 32L << 20;

    /**
     * @param quick a quarter-guest warm-up and one eviction run, one refault round per source, 2 s of scans per case
     */
    public record Options(Path out, long guestBytes, boolean quick) {
        public Options {
            if (guestBytes < MIN_GUEST || guestBytes % PipelineGuest.PAGE != 0) {
                throw new IllegalArgumentException("guest size must be a multiple of 4 KiB and at least 32 MiB, got "
                        + guestBytes);
            }
        }

        public static Options of(Path out, String guestSize, boolean quick) {
            return new Options(out, TrackingBench.parseSize(guestSize), quick);
        }

        public static Options parse(String... args) {
            Path out = Path.of("target", "bench-pipeline.md");
            String size = "256m";
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--guest-size" -> size = value(args, ++i, "--guest-size");
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            return of(out, size, quick);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        int evictionRuns() {
            return quick ? 1 : 3;
        }

        /** The whole guest once untimed (a quarter with --quick): see EvictionFigure.run. */
        double evictionWarmup() {
            return quick ? 0.25 : 1.0;
        }

        int refaultRounds() {
            return quick ? 1 : 3;
        }

        int rpcGets() {
            return quick ? 5_000 : 20_000;
        }

        Duration scanPublishing() {
            return Duration.ofSeconds(quick ? 2 : 12);
        }
    }

    private PipelineBench() {}

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(System.out, o));
    }

    /** Runs everything; returns the exit status (0 ok, 1 a section failed, 2 no userfaultfd). */
    public static int run(PrintStream out, Options o) {
        if (BenchHost.userfaultfdMissing(out)) {
            return 2;
        }
        long t0 = System.nanoTime();
        String loadBefore = BenchHost.loadAverage();
        out.printf("coldtier bench pipeline: %d MiB guest%s%n", o.guestBytes() >> 20, o.quick() ? " (quick)" : "");
        List<String> failures = new ArrayList<>();
        EvictionFigure.Result eviction = null;
        RefaultFigure.Result refault = null;
        out.println("starting broker, tier-store service, guest and agent…");
        try (PipelineStack stack = PipelineStack.start(out, o.guestBytes(), SEED)) {
            eviction = section(out, failures, "[1/3] eviction throughput, agent → Kafka → tier-store (RocksDB)",
                    () -> EvictionFigure.run(out, stack, o.evictionRuns(), o.evictionWarmup()));
            refault = section(out, failures, "[2/3] refault latency, tier-store RPC and agent in-flight buffer",
                    () -> RefaultFigure.run(out, stack, o.refaultRounds(), o.rpcGets(), SEED));
            out.println("closing agent, tier-store, broker…");
        } catch (Exception e) {
            out.println("!!! pipeline stack FAILED: " + e);
            failures.add("pipeline stack (broker, tier-store, guest, agent): " + e);
        }
        ScanBusFigure.Result scans = section(out, failures, "[3/3] ScanResults over the bus",
                () -> ScanBusFigure.run(out, o.guestBytes() / PipelineGuest.PAGE, o.scanPublishing(), SEED));
        PipelineReport.Results results = new PipelineReport.Results(o.guestBytes(), eviction, refault, scans,
                failures);
        String machine = Report.machine() + " Load average (1/5/15 min) at start " + loadBefore + ", at end "
                + BenchHost.loadAverage() + " (other processes share these CPUs).";
        String markdown = PipelineReport.markdown(results, machine) + '\n' + methodNote();
        out.println();
        out.print(markdown);
        try {
            Path file = o.out().toAbsolutePath();
            Files.createDirectories(file.getParent());
            Files.writeString(file, markdown, StandardCharsets.UTF_8);
            out.println();
            out.printf("wrote %s (%.0f s)%n", file, (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            out.println("error: cannot write " + o.out() + ": " + e.getMessage());
            return 1;
        }
        return failures.isEmpty() ? 0 : 1;
    }

    @FunctionalInterface
    private interface Section<T> {
        T run() throws Exception;
    }

    /** Runs one section; a failure is printed and recorded, and the later sections still run. */
    private static <T> T section(PrintStream out, List<String> failures, String title, Section<T> body) {
        out.println(title);
        long t0 = System.nanoTime();
        try {
            T result = body.run();
            out.printf("  (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(title + ": interrupted");
        } catch (Exception e) {
            out.println("!!! " + title + " FAILED: " + e);
            failures.add(title + ": " + e);
        }
        return null;
    }


    private static String methodNote() {
        return String.format(Locale.ROOT, """
                Method: everything runs in this JVM on loopback: an embedded KRaft broker (RF 1, 3 partitions), the \
                tier-store service (RocksDB in a temp dir, WAL fsync on), the agent (AgentService: zap backend, \
                detection interval 1 h so no cycle runs during the figures, fault loop with its defaults: prefetch \
                window 8, not pinned) over a fully allocated memfd guest whose pages hold 1 KiB random + 3 KiB text \
                + an 8-byte page stamp. The benchmark plays the evictor by publishing EvictCommands. Eviction: one \
                command for every page; MB = 10^6 bytes of guest pages. Refaults: a platform thread reads 8 bytes per \
                evicted page (Libc.memcpy), System.nanoTime around it into an HdrHistogram, contents checked. \
                Scans: ReactiveProducer with the bus's producer settings (acks=all, idempotent, linger %d ms), at \
                most 2048 records unacknowledged; page-states/s = records/s × pages per record.
                """, io.coldtier.bus.KafkaSettings.LINGER_MS);
    }
}
