package io.coldtier.bench;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;

/** The Markdown report of {@code coldtier bench tracking}: a summary against the targets, then details. */
final class TrackingReport {
    static final double ARM_TARGET_MS = 20, SCAN_TARGET_MS = 5, REFAULT_TARGET_US = 20, EVICT_TARGET_MBS = 500;

    /** Everything measured; a section that failed is null and reported as such. */
    record Results(long guestBytes, int seconds, ArmScanBench.Result armScan, FaultPathBench.Result faults,
                   EvictionBench.Result eviction, List<WorkloadBench.Run> workload, List<String> failures) {}

    private TrackingReport() {}

    static String markdown(Results r, String machine) {
        StringBuilder md = new StringBuilder();
        md.append("## Tracking engine (zap backend) on a ").append(r.guestBytes() >> 20).append(" MiB guest\n\n");
        md.append(machine).append("\n\n");
        md.append("| figure | measured | target | verdict |\n|---|---:|---:|---|\n");
        summary(md, r);
        if (!r.failures().isEmpty()) {
            md.append("\n**Sections that failed:**\n\n");
            r.failures().forEach(f -> md.append("- ").append(f).append('\n'));
        }
        details(md, r);
        return md.toString();
    }

    private static void summary(StringBuilder md, Results r) {
        long g = r.guestBytes();
        ArmScanBench.Result a = r.armScan();
        if (a != null) {
            row(md, "arm (MADV_DONTNEED), every page present", a.armAll().msPerGiB(g), "≤ 20 ms/GiB",
                    verdict(a.armAll().medianMsPerGiB(g) <= ARM_TARGET_MS));
            row(md, "arm, every page present but only read (clean PTEs)", a.armAllClean().msPerGiB(g), "—", "—");
            row(md, "arm, 10 % of pages present", a.armTenth().msPerGiB(g), "—", "—");
            row(md, "hot scan (PAGEMAP_SCAN PRESENT), 10 % touched", a.scanTenth().msPerGiB(g), "≤ 5 ms/GiB",
                    verdict(a.scanTenth().medianMsPerGiB(g) <= SCAN_TARGET_MS));
            row(md, "hot scan, every page present", a.scanAll().msPerGiB(g), "≤ 5 ms/GiB",
                    verdict(a.scanAll().medianMsPerGiB(g) <= SCAN_TARGET_MS));
            row(md, "raw PAGEMAP_SCAN (no bitmap), 10 % touched", a.scanTenthRaw().msPerGiB(g), "—", "—");
        }
        FaultPathBench.Result f = r.faults();
        if (f != null) {
            double same = f.sameCpu().guest().getValueAtPercentile(50) / 1e3;
            row(md, "refault p50, guest-visible, handler on the same CPU", us(same), "≤ 20 µs",
                    verdict(same <= REFAULT_TARGET_US));
            row(md, "refault p50, guest-visible, handler cross-CPU", us(f.crossCpu().guest().getValueAtPercentile(50) / 1e3),
                    "—", "—");
            row(md, "refault p50, handler's share, same CPU", us(f.sameCpu().handler().getValueAtPercentile(50) / 1e3),
                    "—", "—");
            row(md, "refault p50, guest-visible, same CPU, realistic page contents",
                    us(f.realistic().guest().getValueAtPercentile(50) / 1e3), "—", "—");
        }
        EvictionBench.Result e = r.eviction();
        if (e != null) {
            row(md, "eviction throughput, non-zero pages", mbs(e.evictData().megabytesPerSecond()), "≥ 500 MB/s",
                    verdict(e.evictData().megabytesPerSecond() >= EVICT_TARGET_MBS));
            row(md, "eviction throughput, zero pages", mbs(e.evictZero().megabytesPerSecond()), "≥ 500 MB/s",
                    verdict(e.evictZero().megabytesPerSecond() >= EVICT_TARGET_MBS));
        }
        WorkloadBench.Run base = run(r, WorkloadBench.Mode.REGISTERED);
        WorkloadBench.Run tracked = run(r, WorkloadBench.Mode.TRACKING);
        if (base != null && tracked != null) {
            row(md, "guest ops/s with tracking ÷ without (uffd registered in both)",
                    String.format(Locale.ROOT, "%.2f (%.0f ÷ %.0f)", tracked.stats().opsPerSecond() / base.stats().opsPerSecond(),
                            tracked.stats().opsPerSecond(), base.stats().opsPerSecond()),
                    "reported (no number set)", "—");
            row(md, "evicted at the end of the tracking run", pct(tracked.evictedFraction()), "—", "—");
        }
        long errors = 0;
        for (WorkloadBench.Run w : r.workload()) {
            errors += w.errors();
        }
        if (!r.workload().isEmpty()) {
            row(md, "workload errors (all runs, incl. verifyAll)", Long.toString(errors), "0", verdict(errors == 0));
        }
        if (f != null) {
            row(md, "prefetch hit rate (window 8), sequential / random / random 10 %",
                    String.format(Locale.ROOT, "%.3f / %.3f / %.3f", f.sequential().hitRate(), f.random().hitRate(),
                            f.randomTenth().hitRate()), "—", "—");
        }
    }

    private static void details(StringBuilder md, Results r) {
        FaultPathBench.Result f = r.faults();
        if (f != null) {
            md.append("\n### Refault latency (µs), ").append(FaultPathBench.REFAULTS)
                    .append(" scattered evicted pages read once each in random order, prefetch off\n\n");
            md.append("| case | guest p50 | p99 | p99.9 | max | handler p50 | p99 | p99.9 |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (FaultPathBench.Latency l : List.of(f.sameCpu(), f.crossCpu(), f.realistic())) {
                md.append("| ").append(l.label());
                percentiles(md, l.guest(), true);
                percentiles(md, l.handler(), false);
                md.append(" |\n");
            }
            md.append("\nPages hold one repeated byte (memset) unless said otherwise. The handler's share is"
                    + " FaultMetrics' message-read → page-mapped time; with the handler on the toucher's CPU it also"
                    + " includes the woken toucher running until its next fault, because the loop takes its end"
                    + " timestamp after the UFFDIO_COPY that wakes the toucher.\n");
            md.append("\n### Prefetch (window ").append(FaultPathBench.PREFETCH_WINDOW).append("), ")
                    .append(FaultPathBench.PREFETCH_PAGES).append(" contiguous evicted pages\n\n");
            md.append("| touch pattern | touched | faulted | prefetched | hits | hit rate | touches that did not fault |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (FaultPathBench.Prefetch p : List.of(f.sequential(), f.random(), f.randomTenth())) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %.3f | %s |%n", p.label(), p.touched(),
                        p.ownFaults(), p.prefetched(), p.hits(), p.hitRate(), pct(p.faultsAvoided())));
            }
        }
        EvictionBench.Result e = r.eviction();
        if (e != null) {
            md.append("\n### Eviction of the whole guest into the local LZ4 tier\n\n");
            md.append("| pass | pages | wall time | throughput |\n|---|---:|---:|---:|\n");
            pass(md, "evict, non-zero pages (1 KiB random + 3 KiB pattern)", e.evictData());
            pass(md, "evict, zero pages", e.evictZero());
            pass(md, "restoreAll of the non-zero pages", e.restoreData());
            md.append(String.format(Locale.ROOT, "%nThe tier held %.0f MiB for %.0f MiB evicted (%.2f:1).%n",
                    e.storedBytes() / 1048576.0, e.evictData().bytes() / 1048576.0,
                    e.evictData().bytes() / (double) Math.max(1, e.storedBytes())));
        }
        if (!r.workload().isEmpty()) {
            workload(md, r);
        }
    }

    private static void workload(StringBuilder md, Results r) {
        WorkloadBench.Run base = run(r, WorkloadBench.Mode.REGISTERED);
        md.append("\n### Guest workload, ").append(r.seconds()).append(" s per run\n\n");
        md.append("1 vCPU thread, hot set 10 % of pages taking 95 % of operations, 70 % reads, no think time, no phase"
                + " changes. Every run starts on a fresh, fully allocated guest.\n\n");
        md.append("| run | ops/s | ops/s, 2nd half | ÷ registered baseline | vCPU errors | bad pages after | evicted at end |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (WorkloadBench.Run w : r.workload()) {
            String ratio = base == null ? "—" : String.format(Locale.ROOT, "%.2f", w.stats().opsPerSecond()
                    / base.stats().opsPerSecond());
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %s | %d | %d | %s |%n", w.mode().label,
                    w.stats().opsPerSecond(), w.secondHalfOpsPerSecond(), ratio, w.stats().errors(), w.badPages(),
                    w.mode() == WorkloadBench.Mode.TRACKING ? pct(w.evictedFraction()) : "—"));
        }
        for (WorkloadBench.Run w : r.workload()) {
            if (w.errors() > 0) {
                md.append("\n**").append(w.mode().label).append(": ").append(w.errors()).append(" errors.** ")
                        .append(w.stats().firstErrors()).append(' ').append(w.verifyFailures()).append(' ')
                        .append(w.stuckThreads()).append('\n');
            }
        }
        WorkloadBench.Run t = run(r, WorkloadBench.Mode.TRACKING);
        if (t != null && t.engine() != null) {
            WorkloadBench.EngineStats e = t.engine();
            md.append(String.format(Locale.ROOT, "%nEngine during the tracking run: %d cycles, %d pages evicted in all,"
                            + " %d refaults, %d pages prefetched; in-cycle arm median %s, hot scan median %s;"
                            + " %d poisoned pages; fault loop %s. FaultMetrics.prefetchHitRate() reported %.3f;"
                            + " it overstates hits with this backend: the engine settles the prefetch ledger against"
                            + " the zap hot scan, and a page prefetched between an arm and the next scan is present"
                            + " whether the guest touched it or not.%n",
                    e.cycles(), e.evictedPages(), e.refaults(), e.prefetched(), ms(e.armNanos()), ms(e.scanNanos()),
                    e.poisoned(), e.loopFailure() == null ? "healthy" : "FAILED: " + e.loopFailure(),
                    e.reportedPrefetchHitRate()));
        }
    }

    private static WorkloadBench.Run run(Results r, WorkloadBench.Mode mode) {
        return r.workload().stream().filter(w -> w.mode() == mode).findFirst().orElse(null);
    }

    private static void percentiles(StringBuilder md, Histogram h, boolean withMax) {
        md.append(String.format(Locale.ROOT, " | %.1f | %.1f | %.1f", h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3));
        if (withMax) {
            md.append(String.format(Locale.ROOT, " | %.0f", h.getMaxValue() / 1e3));
        }
    }

    private static void pass(StringBuilder md, String what, EvictionBench.Pass p) {
        md.append(String.format(Locale.ROOT, "| %s | %d | %.0f ms | %s |%n", what, p.pages(), p.nanos() / 1e6,
                mbs(p.megabytesPerSecond())));
    }

    private static void row(StringBuilder md, String figure, String measured, String target, String verdict) {
        md.append("| ").append(figure).append(" | ").append(measured).append(" | ").append(target).append(" | ")
                .append(verdict).append(" |\n");
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }

    private static String us(double v) {
        return String.format(Locale.ROOT, "%.1f µs", v);
    }

    private static String mbs(double v) {
        return String.format(Locale.ROOT, "%.0f MB/s", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    private static String ms(Samples s) {
        return s == null ? "—" : String.format(Locale.ROOT, "%.1f ms", s.median() / 1e6);
    }
}
