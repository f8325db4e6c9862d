package io.coldtier.bench;


import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tracking engine end to end on the zap backend: arm and hot-scan cost, refault latency,
 * eviction throughput, prefetch hit rate, and guest throughput with and without the engine.
 * Prints progress and a table against the targets, and writes it as Markdown ({@code --out}).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp … io.coldtier.bench.TrackingBench [--guest-size 1g] [--seconds N] [--quick] [--out FILE]
 * </pre>
 */
public final class TrackingBench {
    static final String USAGE = "usage: TrackingBench [--guest-size 1g] [--seconds N] [--quick] [--out FILE]"
            + "   (default FILE: target/bench-tracking.md)";
    private static final long SEED = 0xC01D_7EA5L;
    private static final long MIN_GUEST = 128L << 20;

    /**
     * @param seconds workload time per run (default 20, quick 6)
     * @param quick   fewer repetitions and shorter workload runs: a smoke run
     */
    public record Options(Path out, long guestBytes, int seconds, boolean quick) {
        public Options {
            if (guestBytes < MIN_GUEST || guestBytes % BenchGuest.PAGE != 0) {
                throw new IllegalArgumentException("guest size must be a multiple of 4 KiB and at least 128 MiB, got "
                        + guestBytes);
            }
            if (seconds < 2) {
                throw new IllegalArgumentException("--seconds must be at least 2 (the engine needs 3 cycles to evict)");
            }
        }

        /** Defaults for what was not given: {@code seconds} null means 20 (6 with {@code quick}). */
        public static Options of(Path out, String guestSize, Integer seconds, boolean quick) {
            return new Options(out, parseSize(guestSize), seconds != null ? seconds : quick ? 6 : 20, quick);
        }

        public static Options parse(String... args) {
            Path out = Path.of("target", "bench-tracking.md");
            String size = "1g";
            Integer seconds = null;
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--guest-size" -> size = value(args, ++i, "--guest-size");
                    case "--seconds" -> seconds = Integer.parseInt(value(args, ++i, "--seconds"));
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            return of(out, size, seconds, quick);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        /** Repetitions of each arm / scan case (the median is reported). */
        int reps() {
            return quick ? 5 : 7;
        }
    }

    /** "1g", "512m", "1536M", "2G" or plain bytes. */
    public static long parseSize(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("g") || t.endsWith("m") || t.endsWith("k")) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'g' -> 1L << 30;
                case 'm' -> 1L << 20;
                default -> 1L << 10;
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: " + s + " (use e.g. 1g or 512m)");
        }
    }

    private TrackingBench() {}

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

    /** Runs everything; returns the exit status (0 ok, 1 a section failed or the workload saw errors, 2 no uffd). */
    public static int run(PrintStream out, Options o) {
        if (BenchHost.userfaultfdMissing(out)) {
            return 2;
        }
        long t0 = System.nanoTime();
        String loadBefore = BenchHost.loadAverage();
        out.printf("coldtier bench tracking: %d MiB guest, workload %d s per run%s%n", o.guestBytes() >> 20,
                o.seconds(), o.quick() ? " (quick)" : "");
        List<String> failures = new ArrayList<>();
        ArmScanBench.Result armScan = section(out, failures, "[1/4] arm and hot scan",
                () -> ArmScanBench.run(out, o.guestBytes(), o.reps(), SEED));
        FaultPathBench.Result faults = section(out, failures, "[2/4] refault latency and prefetch",
                () -> FaultPathBench.run(out, o.guestBytes(), SEED));
        EvictionBench.Result eviction = section(out, failures, "[3/4] eviction throughput",
                () -> EvictionBench.run(out, o.guestBytes(), SEED));
        List<WorkloadBench.Run> runs = new ArrayList<>();
        out.println("[4/4] guest workload with and without tracking");
        for (WorkloadBench.Mode mode : WorkloadBench.Mode.values()) {
            WorkloadBench.Run run = section(out, failures, "  " + mode.label + ", " + o.seconds() + " s",
                    () -> WorkloadBench.run(out, mode, o.guestBytes(), o.seconds()));
            if (run != null) {
                runs.add(run);
                if (run.errors() > 0) {
                    out.printf("!!! WORKLOAD ERRORS (%s): %d vCPU errors, %d bad pages, stuck %s%n!!! %s%n!!! %s%n",
                            mode.label, run.stats().errors(), run.badPages(), run.stuckThreads(),
                            run.stats().firstErrors(), run.verifyFailures());
                }
            }
        }
        TrackingReport.Results results = new TrackingReport.Results(o.guestBytes(), o.seconds(), armScan, faults,
                eviction, runs, failures);
        String machine = Report.machine() + " Load average (1/5/15 min) at start " + loadBefore + ", at end "
                + BenchHost.loadAverage() + " (other processes share these CPUs).";
        String markdown = TrackingReport.markdown(results, machine) + '\n' + methodNote(o);
        out.println();
        out.print(markdown);
        boolean workloadErrors = runs.stream().anyMatch(r -> r.errors() > 0);
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
        return failures.isEmpty() && !workloadErrors ? 0 : 1;
    }

    @FunctionalInterface
    private interface Section<T> {
        T run() throws Exception;
    }

    /** Runs one section; a failure is printed and recorded, and the other sections still run. */
    private static <T> T section(PrintStream out, List<String> failures, String title, Section<T> body) {
        out.println(title);
        long t0 = System.nanoTime();
        try {
            T result = body.run();
            out.printf("  (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(title.strip() + ": interrupted");
        } catch (Exception e) {
            out.println("!!! " + title.strip() + " FAILED: " + e);
            failures.add(title.strip() + ": " + e);
        }
        return null;
    }


    private static String methodNote(Options o) {
        return String.format(Locale.ROOT, """
                Method: arm and hot scan are ZapTracker.arm/hotScan on the whole region, median of %d repetitions after \
                an untimed warm-up (the region is re-populated with MADV_POPULATE_WRITE after fallocate between \
                repetitions, untimed, and every result is checked against PAGEMAP_SCAN). Refault latency: guest-visible = \
                System.nanoTime around an 8-byte Libc.memcpy by a toucher pinned to CPU0; handler = \
                FaultMetrics.refaultLatencyInterval() (message read → page mapped). Eviction: EvictionExecutor.evict of \
                every page into LocalPageTier, wall time, MB = 10^6 bytes; pages zapped first, as a cycle's victims are. \
                Prefetch hit rate = (touched − faulted) / prefetched, one toucher, counted from FaultMetrics (a presence \
                scan cannot tell: prefetched pages are present anyway); it is 1 by construction when every evicted page \
                is touched, so the random-10 %% case is the informative one. Workload: engine interval 1 s, \
                IdleCyclesPolicy(min idle 2 cycles, unlimited), prefetch window 8, local LZ4 tier; ops/s over the whole \
                run (the engine needs ~3 s before it first evicts) and over its second half.
                """, o.reps());
    }
}
