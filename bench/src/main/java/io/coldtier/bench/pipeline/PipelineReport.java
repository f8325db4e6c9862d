package io.coldtier.bench.pipeline;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The Markdown that {@code coldtier bench pipeline} prints and writes. */
final class PipelineReport {
    /** stack-notes.md Q9: a blocking socket fetching one 4 KiB page on loopback, p50 9–21 µs; 10–30 µs budget. */
    static final double RPC_TARGET_US = 30;

    /** What the run produced; a section that failed is null and listed in {@code failures}. */
    record Results(long guestBytes, EvictionFigure.Result eviction, RefaultFigure.Result refault,
                   ScanBusFigure.Result scans, List<String> failures) {}

    private PipelineReport() {}

    static String markdown(Results r, String machine) {
        StringBuilder md = new StringBuilder();
        md.append("## Pipeline: agent → Kafka → tier-store, and scan events over the bus (")
                .append(r.guestBytes() >> 20).append(" MiB guest)\n\n");
        md.append(machine).append("\n\n");
        md.append("| figure | measured | target | verdict |\n|---|---:|---:|---|\n");
        summary(md, r);
        if (!r.failures().isEmpty()) {
            md.append("\n**Sections that failed:**\n\n");
            r.failures().forEach(f -> md.append("- ").append(f).append('\n'));
        }
        if (r.eviction() != null) {
            eviction(md, r.eviction());
        }
        if (r.refault() != null) {
            refault(md, r.refault());
        }
        if (r.scans() != null) {
            scans(md, r.scans());
        }
        return md.toString();
    }

    private static void summary(StringBuilder md, Results r) {
        EvictionFigure.Result e = r.eviction();
        if (e != null) {
            row(md, "eviction agent → RocksDB, end to end (every PageStored back at the agent)",
                    range(e.runs(), x -> EvictionFigure.Run.mbps(x.rawBytes(), x.ackedNanos()), "MB/s"),
                    "none set", "—");
            row(md, "eviction end to end, compressed (LZ4) bytes written to RocksDB",
                    range(e.runs(), x -> EvictionFigure.Run.mbps(x.compressedBytes(), x.ackedNanos()), "MB/s"),
                    "—", "—");
            row(md, "eviction, guest memory freed (every PageOut Kafka-acked, page punched)",
                    range(e.runs(), x -> EvictionFigure.Run.mbps(x.rawBytes(), x.kafkaNanos()), "MB/s"), "—", "—");
        }
        RefaultFigure.Result f = r.refault();
        if (f != null) {
            double getP50 = us(f.rpcGet(), 50);
            row(md, "tier-store RPC GET of one 4 KiB page (LZ4'd), p50 / p99", p50p99(f.rpcGet()),
                    "10–30 µs (stack-notes Q9)", getP50 <= RPC_TARGET_US ? "met (p50)" : "**missed** (p50)");
            row(md, "refault via the tier-store RPC, guest-visible p50 / p99", p50p99(f.rpc().guest()),
                    "— (holds one RPC GET)", "—");
            row(md, "refault via the agent's in-flight buffer, guest-visible p50 / p99", p50p99(f.buffer().guest()),
                    "—", "—");
        }
        ScanBusFigure.Result s = r.scans();
        if (s != null) {
            for (ScanBusFigure.Run run : List.of(s.decoder(), s.evictor())) {
                row(md, "scan page-states/s, bus → " + run.kind().label, String.format(Locale.ROOT,
                        "%s (%.0f records/s, %.0f MB/s)", big(run.pageStatesPerSecond()), run.recordsPerSecond(),
                        run.megabytesPerSecond()), "none set", "—");
            }
        }
    }

    private static void eviction(StringBuilder md, EvictionFigure.Result e) {
        md.append("\n### Eviction of the whole guest by one EvictCommand\n\n");
        md.append("Times from the command's send. MB = 10⁶ bytes of guest pages (raw), compressed = LZ4 contents"
                + " the tier-store wrote.\n\n");
        md.append("| run | pages | Kafka-acked + punched | in RocksDB | PageStored at agent | end-to-end MB/s"
                + " | compressed MB/s | LZ4 ratio | RPC check | touched back (page order) |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < e.runs().size(); i++) {
            EvictionFigure.Run x = e.runs().get(i);
            EvictionFigure.RpcCheck c = e.checks().get(i);
            EvictionFigure.Restore rest = e.restores().get(i);
            md.append(String.format(Locale.ROOT, "| %d | %d | %.2f s | %.2f s | %.2f s | %.0f | %.0f | %.2f:1 |"
                            + " %d/%d in %.2f s | %.0f MB/s, %d refaults + %d prefetched |%n", i + 1, x.pages(),
                    x.kafkaNanos() / 1e9, x.rocksDbNanos() / 1e9, x.ackedNanos() / 1e9,
                    EvictionFigure.Run.mbps(x.rawBytes(), x.ackedNanos()),
                    EvictionFigure.Run.mbps(x.compressedBytes(), x.ackedNanos()),
                    x.rawBytes() / (double) Math.max(1, x.compressedBytes()), c.found() - c.wrongVersion(), c.pages(),
                    c.nanos() / 1e9, EvictionFigure.Run.mbps(rest.pages() * PipelineGuest.PAGE, rest.nanos()),
                    rest.refaults(), rest.prefetched()));
        }
    }

    private static void refault(StringBuilder md, RefaultFigure.Result f) {
        md.append("\n### Refault latency (µs)\n\n");
        md.append(String.format(Locale.ROOT, "%d round(s) per source of every %d-th page (no evicted neighbour in"
                + " the prefetch window), each page touched once in random order by one guest thread; the first"
                + " 200 touches of a round are untimed. Handler = the agent's fault loop, message read → page mapped"
                + " (FaultMetrics). CPU busy: mean share of both CPUs in use during the timed touches; the toucher"
                + " and the fault loop alone keep about one busy.%n%n", f.rounds(), f.spacing()));
        md.append("| source | touches | guest p50 | p99 | p99.9 | max | handler p50 | p99 | p99.9 | CPU busy: machine"
                + " / this JVM |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RefaultFigure.Latency l : List.of(f.rpc(), f.buffer())) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f |"
                            + " %.0f %% / %.0f %% |%n", l.source().label, l.refaults(), us(l.guest(), 50),
                    us(l.guest(), 99), us(l.guest(), 99.9), l.guest().getMaxValue() / 1e3, us(l.handler(), 50),
                    us(l.handler(), 99), us(l.handler(), 99.9), 100 * l.machineCpu(), 100 * l.processCpu()));
        }
        bare(md, "bare RPC GET of a random page, no fault (PageRpcClient.get)", f.rpcGet());
        bare(md, "bare RPC PING after each GET, same connection (transport only)", f.rpcPing());
        bare(md, "the same lookup in-process after each PING (PageStore.get, no RPC)", f.storeGet());
    }

    private static void bare(StringBuilder md, String what, Histogram h) {
        md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.0f | — | — | — | — |%n", what,
                h.getTotalCount(), us(h, 50), us(h, 99), us(h, 99.9), h.getMaxValue() / 1e3));
    }

    private static void scans(StringBuilder md, ScanBusFigure.Result s) {
        md.append(String.format(Locale.ROOT, "%n### ScanResults over the bus%n%n%d VMs, one region of %d pages each;"
                        + " each scan marks %.0f %% of the pages accessed at random positions (one of 16 such sets,"
                        + " a different one each cycle, so the policy keeps finding idle pages), so each bitmap is %d"
                        + " bytes: Roaring bitmap containers, the worst case for its size. Rates are end to end: first"
                        + " timed send → last timed record consumed. The what-if row changes one producer setting,"
                        + " batch.size, from Kafka's 16 KiB default (which the bus keeps) to 256 KiB: with 16 KiB a"
                        + " produce batch holds one or two ScanResults, so the producer, not the broker or the"
                        + " consumer, sets the rate.%n%n", ScanBusFigure.VMS, s.pagesPerRecord(),
                100 * ScanBusFigure.ACCESSED, s.bitmapBytes()));
        md.append("| consumer | records | published/s | consumed records/s | page-states/s | MB/s | lag when"
                + " publishing ended | EvictCommands |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ScanBusFigure.Run run : List.of(s.decoder(), s.evictor(), s.bigBatches())) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %s | %.0f | %d | %d |%n",
                    run.kind().label, run.records(), run.publishedPerSecond(), run.recordsPerSecond(),
                    big(run.pageStatesPerSecond()), run.megabytesPerSecond(), run.lagAtPublishEnd(), run.commands()));
        }
    }

    /** "median (min–max, n=3) unit", or just the value for one run. */
    private static <T> String range(List<T> runs, ToDoubleFunction<T> f, String unit) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        if (n == 1) {
            return String.format(Locale.ROOT, "%.0f %s", median, unit);
        }
        return String.format(Locale.ROOT, "%.0f %s (%.0f–%.0f, n=%d)", median, unit, v[0], v[n - 1], n);
    }

    static double us(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }

    private static String p50p99(Histogram h) {
        return String.format(Locale.ROOT, "%.1f / %.1f µs", us(h, 50), us(h, 99));
    }

    /** 1.23e9 → "1.23 G". */
    static String big(double v) {
        String[] units = {"", " k", " M", " G", " T"};
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.3g%s", v, units[u]);
    }

    private static void row(StringBuilder md, String figure, String measured, String target, String verdict) {
        md.append("| ").append(figure).append(" | ").append(measured).append(" | ").append(target).append(" | ")
                .append(verdict).append(" |\n");
    }
}
