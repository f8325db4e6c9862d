package io.coldtier.bench;

import org.openjdk.jmh.runner.RunnerException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FFM cost versus the C floor: builds and runs {@code floor.c}, runs {@link NativeBenchmarks}
 * with JMH, and prints (and writes as Markdown) a table of both with their ratio.
 *
 * <p>Start it with every runtime jar on {@code -cp}: JMH's forks inherit {@code java.class.path}.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp bench/target/classes:$CP io.coldtier.bench.NativeBench [--quick] [--out FILE]
 * </pre>
 */
public final class NativeBench {
    /** Table order; the names are shared by the JMH methods and floor.c's output lines. */
    static final List<String> BENCHMARKS = List.of("trivialDowncall", "getpid", "writeProtect1GiB",
            "writeUnprotect1GiB", "pagemapScan1GiB_allPresent", "pagemapScan1GiB_halfPresent");

    static final String USAGE = "usage: NativeBench [--quick] [--out FILE]   (default FILE: target/bench-native.md)";

    /** {@code quick}: 1 warm-up and 1 measurement iteration, fewer C repetitions (a smoke run). */
    public record Options(Path out, boolean quick) {
        public static Options parse(String... args) {
            Path out = Path.of("target", "bench-native.md");
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--out" -> {
                        if (++i == args.length) {
                            throw new IllegalArgumentException("--out needs a file name");
                        }
                        out = Path.of(args[i]);
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            return new Options(out, quick);
        }

        int warmups() {
            return quick ? 1 : 2;
        }

        int measurements() {
            return quick ? 1 : 3;
        }
    }

    private NativeBench() {}

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

    /** Runs everything; returns the process exit status (0 ok, 1 a run failed, 2 no C floor). */
    public static int run(PrintStream out, Options o) {
        try {
            Path outFile = o.out().toAbsolutePath();
            Files.createDirectories(outFile.getParent());
            Map<String, Figure> floor = cFloor(out, o.quick());
            if (floor == null) {
                return 2;
            }
            Path log = outFile.resolveSibling(outFile.getFileName() + ".jmh.log");
            Map<String, Figure> java = jmh(out, o, log);
            String markdown = Report.markdown(BENCHMARKS, java, floor, Report.machine(), methodNote(o));
            out.println();
            out.print(markdown);
            Files.writeString(outFile, markdown, StandardCharsets.UTF_8);
            out.println();
            out.println("wrote " + outFile);
            return 0;
        } catch (IOException | RunnerException e) {
            out.println("error: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("interrupted");
            return 1;
        }
    }

    private static Map<String, Figure> cFloor(PrintStream out, boolean quick) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("coldtier-floor");
        try {
            out.println("compiling C floor…");
            Path binary = CFloor.compile(dir);
            out.println("running C floor…");
            return CFloor.run(binary, quick);
        } catch (CFloor.Failure e) {
            out.println("error: " + e.getMessage());
            return null;
        } finally {
            CFloor.deleteTree(dir);
        }
    }

    private static Map<String, Figure> jmh(PrintStream out, Options o, Path log) throws IOException, RunnerException {
        Map<String, Figure> java = new LinkedHashMap<>();
        try (JmhRun jmh = new JmhRun(o.warmups(), o.measurements(), log)) {
            int seconds = BENCHMARKS.size() * jmh.estimatedSeconds();
            out.printf("running JMH (about %s; log: %s)…%n", seconds >= 90 ? Math.round(seconds / 60.0) + " min" : seconds + " s", log);
            for (String b : BENCHMARKS) {
                out.printf("  %-28s", b);
                out.flush();
                Figure f = jmh.run(b);
                java.put(b, f);
                out.println(f.format());
            }
        }
        return java;
    }

    private static String methodNote(Options o) {
        return String.format("Java: JMH AverageTime, 1 fork per benchmark, %d × 1 s warm-up, %d × 1 s measurement"
                + " (± is JMH's 99.9 %% interval). C: gcc -O2, mean after warm-up (%s).",
                o.warmups(), o.measurements(), o.quick() ? "quick: 10M abs, 100k getpid, 5 reps per 1 GiB op"
                        : "100M abs, 1M getpid, 20 reps per 1 GiB op");
    }
}
