package io.coldtier.demo;

import io.coldtier.report.RunRecording.CycleSample;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The demo's view while it runs. On a terminal it redraws one block in place (ANSI: cursor up, clear line), so the
 * figures stay put; anywhere else (a pipe, a CI log, a file) it prints one logfmt-like line per cycle, which greps
 * and diffs well. Only the demo's main thread calls it.
 */
final class LiveView {
    private static final String CLEAR_LINE = "\033[2K";

    private final PrintStream out;
    private final boolean ansi;
    private final String header;
    private final double durationSeconds;
    private int drawnLines;

    /**
     * @param ansi redraw in place (only when stdout is a terminal)
     */
    LiveView(PrintStream out, boolean ansi, String header, double durationSeconds) {
        this.out = out;
        this.ansi = ansi;
        this.header = header;
        this.durationSeconds = durationSeconds;
    }

    /** Whether this JVM's stdout is an interactive terminal (System.console() is null when it is redirected). */
    static boolean stdoutIsTerminal() {
        var c = System.console();
        return c != null && c.isTerminal();
    }

    /** A phase of the run without cycles yet (start-up, baseline, shutdown). */
    void status(String what) {
        if (ansi) {
            draw(List.of(header, what));
        } else {
            out.println("demo: " + what);
        }
        out.flush();
    }

    void cycle(CycleSample s, double baselineOps, long pages, String phase) {
        double ratio = baselineOps > 0 ? s.guestOpsPerSecond() / baselineOps : Double.NaN;
        if (ansi) {
            draw(List.of(header,
                    String.format(Locale.ROOT, "%s   cycle %d   t=%.0f s of %.0f s", phase, s.cycle(), s.tSeconds(),
                            durationSeconds),
                    String.format(Locale.ROOT, "guest memory  resident %,d pages (%.1f %%)   evicted %,d (%.1f %%)"
                            + "   zero-page evictions %,d", s.residentPages(), 100.0 * s.residentPages() / pages,
                            s.evictedPages(), 100.0 * s.evictedPages() / pages, s.zeroPages()),
                    String.format(Locale.ROOT, "working set   %,d pages accessed this cycle", s.workingSetPages()),
                    String.format(Locale.ROOT, "refaults      %s/s   latency p50 %s µs   p99 %s µs",
                            Units.si(s.refaultsPerSecond()), micros(s.refaultP50Micros()),
                            micros(s.refaultP99Micros())),
                    String.format(Locale.ROOT, "eviction      %.1f MB/s   (%,d pages this cycle)", s.evictionMBps(),
                            s.evictions()),
                    String.format(Locale.ROOT, "guest         %s ops/s   baseline (untracked) %s ops/s   %s",
                            Units.si(s.guestOpsPerSecond()), Units.si(baselineOps),
                            Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.1f %% of baseline", ratio * 100)),
                    String.format(Locale.ROOT, "lost writes   %d%s", s.lostWrites(),
                            s.lostWrites() == 0 ? "" : "   <-- MUST BE 0")));
        } else {
            out.println(line(s, baselineOps, ratio));
        }
        out.flush();
    }

    static String line(CycleSample s, double baselineOps, double ratio) {
        return String.format(Locale.ROOT, "cycle=%d t=%.1f resident=%d evicted=%d zero=%d working_set=%d"
                        + " refaults_per_s=%.0f refault_p50_us=%s refault_p99_us=%s evict_mb_per_s=%.1f"
                        + " guest_ops_per_s=%.0f baseline_ops_per_s=%.0f ratio=%.3f lost_writes=%d",
                s.cycle(), s.tSeconds(), s.residentPages(), s.evictedPages(), s.zeroPages(), s.workingSetPages(),
                s.refaultsPerSecond(), micros(s.refaultP50Micros()), micros(s.refaultP99Micros()), s.evictionMBps(),
                s.guestOpsPerSecond(), baselineOps, ratio, s.lostWrites());
    }

    private static String micros(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    /** Moves up over the previous block and overwrites it line by line. */
    private void draw(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('A');
        }
        for (String l : lines) {
            sb.append('\r').append(CLEAR_LINE).append(l).append('\n');
        }
        for (int i = lines.size(); i < drawnLines; i++) {
            sb.append('\r').append(CLEAR_LINE).append('\n');
        }
        drawnLines = Math.max(drawnLines, lines.size());
        out.print(sb);
    }

    /** Leaves the block as it is; what follows prints below it. */
    void end() {
        drawnLines = 0;
        out.flush();
    }
}
