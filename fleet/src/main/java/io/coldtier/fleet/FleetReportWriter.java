package io.coldtier.fleet;

import io.coldtier.fleet.FleetReport.ColdAge;
import io.coldtier.fleet.FleetReport.HostStats;
import io.coldtier.fleet.FleetReport.Point;
import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.fleet.internal.FleetHtml;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes a {@link FleetReport} as {@code report.html}, {@code fleet.json}, {@code vms.csv}, {@code hosts.csv} and {@code series.csv}. */
public final class FleetReportWriter {
    private FleetReportWriter() {}

    public static FleetFiles write(FleetReport report, Path dir) {
        FleetFiles files = new FleetFiles(dir.resolve("report.html"), dir.resolve("fleet.json"),
                dir.resolve("vms.csv"), dir.resolve("hosts.csv"), dir.resolve("series.csv"));
        try {
            Files.createDirectories(dir);
            Files.writeString(files.html(), FleetHtml.render(report), StandardCharsets.UTF_8);
            Files.writeString(files.json(), JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build()
                    .writeValueAsString(report), StandardCharsets.UTF_8);
            Files.writeString(files.vmsCsv(), vmsCsv(report), StandardCharsets.UTF_8);
            Files.writeString(files.hostsCsv(), hostsCsv(report), StandardCharsets.UTF_8);
            Files.writeString(files.seriesCsv(), seriesCsv(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fleet report into " + dir, e);
        }
        return files;
    }

    static String vmsCsv(FleetReport r) {
        StringBuilder b = new StringBuilder("vm,host,agent,state,backend,pages,bytes,cycles,observed_s");
        ageColumns(b, r);
        for (double a : r.agesSeconds()) {
            b.append(",cold_excl_prefetch_").append(num(a)).append('s');
        }
        b.append(",wss_per_cycle_pages,wss_per_cycle_excl_prefetch_pages,wss_pages,refaults,prefetched_pages,"
                + "refaults_per_s,evicted_pages,saved_bytes,reclaimable_pages,reclaimable_bytes\n");
        for (VmStats v : r.vms()) {
            b.append(String.join(",", csv(v.vmId()), csv(v.host()), csv(v.agentId()), v.state(), csv(v.backend()),
                    Long.toString(v.pages()), Long.toString(v.bytes()), Integer.toString(v.cycles()),
                    num(v.observedSeconds())));
            cold(b, v.cold());
            cold(b, v.coldExcludingPrefetch());
            b.append(',').append(num(v.workingSetPerCycle())).append(',')
                    .append(num(v.workingSetPerCycleExcludingPrefetch())).append(',').append(v.workingSetPages())
                    .append(',').append(v.refaults()).append(',').append(v.prefetchedPages()).append(',')
                    .append(num(v.refaultsPerSecond())).append(',')
                    .append(v.evictedPages()).append(',').append(v.savedBytes()).append(',')
                    .append(v.reclaimablePages()).append(',').append(v.reclaimableBytes()).append('\n');
        }
        return b.toString();
    }

    static String hostsCsv(FleetReport r) {
        StringBuilder b = new StringBuilder("host,vms,pages,bytes");
        ageColumns(b, r);
        b.append(",wss_pages,refaults,refaults_per_s,saved_bytes,reclaimable_bytes\n");
        for (HostStats h : r.hosts()) {
            b.append(csv(h.host())).append(',').append(h.vms()).append(',').append(h.pages()).append(',')
                    .append(h.bytes());
            cold(b, h.cold());
            b.append(',').append(h.workingSetPages()).append(',').append(h.refaults()).append(',')
                    .append(num(h.refaultsPerSecond())).append(',').append(h.savedBytes()).append(',')
                    .append(h.reclaimableBytes()).append('\n');
        }
        return b.toString();
    }

    static String seriesCsv(FleetReport r) {
        StringBuilder b = new StringBuilder("vm,cycle,t_s,accessed_pages,accessed_excl_prefetch_pages,wss_pages,"
                + "resident_pages,evicted_pages,refaults,prefetched_pages,cold_at_first_age,"
                + "cold_at_first_age_excl_prefetch\n");
        for (VmStats v : r.vms()) {
            for (Point p : v.series()) {
                b.append(csv(v.vmId())).append(',').append(p.cycle()).append(',').append(num(p.t())).append(',')
                        .append(p.accessed()).append(',').append(p.accessedExcludingPrefetch()).append(',')
                        .append(p.workingSet()).append(',').append(p.resident()).append(',').append(p.evicted())
                        .append(',').append(p.refaults()).append(',').append(p.prefetched()).append(',')
                        .append(num(p.coldAtFirstAge())).append(',').append(num(p.coldAtFirstAgeExcludingPrefetch()))
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static void ageColumns(StringBuilder b, FleetReport r) {
        for (double a : r.agesSeconds()) {
            b.append(",cold_").append(num(a)).append('s');
        }
    }

    private static void cold(StringBuilder b, List<ColdAge> cold) {
        cold.forEach(c -> b.append(',').append(c.fraction() == null ? "" : num(c.fraction())));
    }

    /** Empty for non-finite values; up to 4 decimals otherwise, trailing zeros trimmed. */
    private static String num(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** RFC 4180 quoting where needed. */
    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
