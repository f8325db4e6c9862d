package io.coldtier.trace;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code coldtier bench replay}: page-states per second of the replay simulator. A page-state is one
 * page of one applied scan (a 1 GiB region scanned once = 262,144 page-states); the rate is
 * page-states / wall time of feeding decoded trace records through {@link Simulator} (Avro → core
 * mapping with the bitmap decode, the evictor's {@code onScan}/{@code onFault}, the residency model).
 * A second figure includes reading the trace file (zstd, Avro decode).
 */
public final class ReplayBench {
    /** libCacheSim's headline replay rate, the target to beat. */
    public static final double TARGET = 20e6;

    public record Options(int vms, int cycles, int rounds, String policy) {
        public static Options defaults(boolean quick) {
            return quick ? new Options(4, 100, 3, "idle-age:cycles=3") : new Options(8, 250, 7, "idle-age:cycles=3");
        }
    }

    private ReplayBench() {
    }

    public static int run(PrintStream out, Options o) throws Exception {
        SyntheticTrace spec = SyntheticTrace.bench(o.vms(), o.cycles());
        out.printf(Locale.ROOT, "bench replay: %d VMs × 1 region of 262,144 pages (1 GiB), %d scans each, 10 %% accessed per scan, "
                + "%d REFAULTs per scan; policy %s; %d rounds (+2 warm-up)%n", o.vms(), o.cycles(), spec.faultsPerCycle(),
                o.policy(), o.rounds());
        List<TraceRecord> records = spec.records();
        double[] inMemory = new double[o.rounds()];
        for (int i = -2; i < o.rounds(); i++) {
            long t0 = System.nanoTime();
            Simulator sim = new Simulator(o.policy(), 0.2);
            records.forEach(sim);
            double rate = sim.result().pageStates() * 1e9 / (System.nanoTime() - t0);
            if (i >= 0) {
                inMemory[i] = rate;
            }
        }
        Path file = Files.createTempFile("coldtier-bench-", ".trace");
        double[] fromFile = new double[o.rounds()];
        try {
            TraceFile.write(file, records, TraceFile.Compression.ZSTD, Map.of("source", "bench"));
            for (int i = -1; i < o.rounds(); i++) {
                long t0 = System.nanoTime();
                List<SimResult> r = Replay.runFile(file, List.of(o.policy()), 0.2);
                double rate = r.getFirst().pageStates() * 1e9 / (System.nanoTime() - t0);
                if (i >= 0) {
                    fromFile[i] = rate;
                }
            }
            out.printf(Locale.ROOT, "trace file: %d records, %.1f MiB (zstd)%n", records.size(), Files.size(file) / 1048576.0);
        } finally {
            Files.deleteIfExists(file);
        }
        double a = median(inMemory);
        double b = median(fromFile);
        out.printf(Locale.ROOT, "%-44s %14s %20s%n", "path", "median", "range");
        out.printf(Locale.ROOT, "%-44s %12.1f M %9.1f–%.1f M page-states/s%n", "simulator over decoded records", a / 1e6,
                min(inMemory) / 1e6, max(inMemory) / 1e6);
        out.printf(Locale.ROOT, "%-44s %12.1f M %9.1f–%.1f M page-states/s%n", "trace file → simulator (read + replay)",
                b / 1e6, min(fromFile) / 1e6, max(fromFile) / 1e6);
        out.printf(Locale.ROOT, "target ≥ %.0f M page-states/s: %s%n", TARGET / 1e6, a >= TARGET ? "met" : "NOT met");
        return a >= TARGET ? 0 : 1;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

}
