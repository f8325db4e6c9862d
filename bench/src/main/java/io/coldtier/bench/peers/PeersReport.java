package io.coldtier.bench.peers;

import java.util.List;
import java.util.Locale;

/** The Markdown table and JSON of `coldtier bench peers`; the first row is the no-tiering baseline. */
final class PeersReport {
    private PeersReport() {}

    static String markdown(List<PeerRow> rows, long guestBytes, String machine, String setup) {
        PeerRow base = rows.getFirst();
        StringBuilder md = new StringBuilder("## coldtier bench peers\n\n").append(machine).append("\n\n")
                .append(setup).append("\n\n");
        md.append("| configuration | limit | resident | resident saved | ops/s | ops/s vs none | slow accesses "
                + "| swap-in p50 | swap-in p99 | pswpin | kswapd CPU | guest sys CPU | written to tier | zram orig / compr |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (PeerRow r : rows) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %.1f %% | %s | %.2f | %d | %s | %s | %d | %.0f ms | %.0f ms | %s | %s |%n",
                    r.config(),
                    r.limitBytes() < 0 ? "—" : mib(r.limitBytes()) + String.format(Locale.ROOT, " (%.0f %%)",
                            100.0 * r.limitBytes() / guestBytes),
                    mib(r.residentBytes()),
                    saved(base.residentBytes(), r.residentBytes()),
                    si(r.opsPerSec()),
                    r.opsPerSec() / base.opsPerSec(),
                    r.slowAccesses(),
                    us(r.slowAccesses(), r.slowP50Ns()),
                    us(r.slowAccesses(), r.slowP99Ns()),
                    r.pswpin(),
                    r.kswapdCpuMs(),
                    r.guestSysCpuMs(),
                    mib(r.bytesWrittenToTier()),
                    r.tierOrigBytes() < 0 ? "—" : mib(r.tierOrigBytes()) + " / " + mib(r.tierComprBytes())));
        }
        return md.toString();
    }

    static double saved(long baseline, long resident) {
        return baseline <= 0 ? 0 : 100.0 * (baseline - resident) / baseline;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String si(double v) {
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2f M", v / 1e6) : String.format(Locale.ROOT, "%.0f k", v / 1e3);
    }

    private static String us(long count, long ns) {
        return count == 0 ? "—" : String.format(Locale.ROOT, "%.1f µs", ns / 1000.0);
    }

    static String json(List<PeerRow> rows, long guestBytes, String machine) {
        PeerRow base = rows.getFirst();
        StringBuilder j = new StringBuilder("{\n  \"machine\": \"").append(escape(machine))
                .append("\",\n  \"guestBytes\": ").append(guestBytes).append(",\n  \"rows\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            PeerRow r = rows.get(i);
            j.append(String.format(Locale.ROOT,
                    "    {\"config\": \"%s\", \"limitBytes\": %d, \"residentBytes\": %d, \"swapBytes\": %d, "
                            + "\"residentSavedPct\": %.2f, \"opsPerSec\": %.0f, \"opsRelative\": %.4f, "
                            + "\"slowAccesses\": %d, \"swapInP50Us\": %.2f, \"swapInP99Us\": %.2f, \"pswpin\": %d, "
                            + "\"pswpout\": %d, \"kswapdCpuMs\": %.0f, \"guestSysCpuMs\": %.0f, "
                            + "\"bytesWrittenToTier\": %d, \"zramOrigBytes\": %d, \"zramComprBytes\": %d}%s%n",
                    escape(r.config()), r.limitBytes(), r.residentBytes(), r.swapBytes(),
                    saved(base.residentBytes(), r.residentBytes()), r.opsPerSec(), r.opsPerSec() / base.opsPerSec(),
                    r.slowAccesses(), r.slowP50Ns() / 1000.0, r.slowP99Ns() / 1000.0, r.pswpin(), r.pswpout(),
                    r.kswapdCpuMs(), r.guestSysCpuMs(), r.bytesWrittenToTier(), r.tierOrigBytes(),
                    r.tierComprBytes(), i + 1 < rows.size() ? "," : ""));
        }
        return j.append("  ]\n}\n").toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
