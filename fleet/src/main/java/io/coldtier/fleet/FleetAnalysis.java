package io.coldtier.fleet;

import io.coldtier.fleet.FleetReport.ColdAge;
import io.coldtier.fleet.FleetReport.HostStats;
import io.coldtier.fleet.FleetReport.Point;
import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.fleet.internal.RegionTracker;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;

import org.roaringbitmap.RoaringBitmap;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a fleet's records into per-VM and per-host figures: the cold-age histogram (share of pages idle at least
 * each age), the working set over time, refault rates, memory saved (pages evicted and still out) and reclaimable
 * memory. Pure: no I/O; the clock only stamps the report.
 */
public final class FleetAnalysis {
    private final FleetOptions options;
    private final long[] agesMicros;
    private final long windowMicros;

    private FleetAnalysis(FleetOptions options) {
        this.options = options;
        this.agesMicros = options.ages().stream().mapToLong(d -> d.toNanos() / 1000).toArray();
        this.windowMicros = options.workingSetWindow().toNanos() / 1000;
    }

    /** Analyses {@code input} (records in any order; duplicates are ignored). */
    public static FleetReport analyse(FleetInput input, FleetOptions options, Clock clock) {
        return new FleetAnalysis(options).run(input, clock);
    }

    private FleetReport run(FleetInput input, Clock clock) {
        Map<String, VmRegistration> registrations = latestRegistrations(input.registrations());
        Map<String, List<ScanResult>> scansByVm = new TreeMap<>();
        for (ScanResult s : input.scans()) {
            if (options.until() != null && s.getScannedAt().isAfter(options.until())) {
                continue;
            }
            scansByVm.computeIfAbsent(s.getVmId(), k -> new ArrayList<>()).add(s);
        }
        Map<Key, Interval> intervals = intervals(input.faults());
        Map<Key, RoaringBitmap> commands = new HashMap<>();
        for (EvictCommand c : input.evictions()) {
            commands.merge(new Key(c.getVmId(), c.getRegion(), c.getCycle()), Bitmaps.fromBytes(c.getPages()
                    .duplicate()), (a, b) -> RoaringBitmap.or(a, b));
        }
        long fleetStart = input.scans().stream().mapToLong(s -> RegionTracker.micros(s.getArmedAt())).min().orElse(0);
        List<VmStats> vms = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (var e : scansByVm.entrySet()) {
            vms.add(vm(e.getKey(), registrations.get(e.getKey()), e.getValue(), intervals, commands, fleetStart));
        }
        registrations.keySet().stream().filter(id -> !scansByVm.containsKey(id))
                .forEach(id -> notes.add("VM " + id + " is registered but has no scans; left out"));
        vms.sort(Comparator.comparingLong(VmStats::reclaimableBytes).reversed().thenComparing(VmStats::vmId));
        notes.add("Idle ages are exact to one detection interval (an access anywhere in an interval counts as at "
                + "its end); a page never seen accessed counts as idle since its VM's first interval.");
        notes.add("On the zap backend a scan sees pages present, and a refault's prefetch (window ±"
                + options.prefetchWindow() + " pages) makes pages present whether the guest touches them or not: "
                + "figures as scanned over-count touched pages, figures excluding prefetch under-count them.");
        notes.add("Cold shares at ages longer than a VM's observation are not observable and left empty.");
        FleetReport.Counts counts = new FleetReport.Counts(input.registrations().size(), input.scans().size(),
                input.faults().size(), input.evictions().size());
        return new FleetReport(clock.instant().toString(), options.ages().stream().mapToDouble(FleetAnalysis::seconds)
                .toArray(), seconds(options.workingSetWindow()), seconds(options.reclaimAge()), counts, List.copyOf(vms),
                hosts(vms), List.copyOf(notes));
    }

    private VmStats vm(String vmId, VmRegistration reg, List<ScanResult> scans, Map<Key, Interval> intervals,
                       Map<Key, RoaringBitmap> commands, long fleetStart) {
        // With the VM's evict commands, which pages are out is known well enough to tell which neighbours a refault
        // can have prefetched (only evicted ones); without them every page of the window may be one.
        boolean knowEvicted = commands.keySet().stream().anyMatch(k -> k.vmId().equals(vmId));
        Map<Integer, RoaringBitmap> outPages = new HashMap<>();
        scans.sort(Comparator.comparing(ScanResult::getScannedAt).thenComparingLong(ScanResult::getCycle));
        Map<Integer, RegionTracker> regions = new TreeMap<>();
        Map<Long, long[]> perCycle = new TreeMap<>();
        Map<Long, Long> cycleTime = new HashMap<>();
        List<Long> intervalsMicros = new ArrayList<>();
        for (ScanResult s : scans) {
            RegionTracker r = regions.computeIfAbsent(s.getRegion(), k -> new RegionTracker(pagesOf(reg, s),
                    s.getPageSize()));
            Interval in = intervals.getOrDefault(new Key(vmId, s.getRegion(), s.getCycle()), Interval.EMPTY);
            RoaringBitmap out = outPages.computeIfAbsent(s.getRegion(), k -> new RoaringBitmap());
            RoaringBitmap prefetchOnly = knowEvicted ? in.prefetchedFrom(out, options.prefetchWindow())
                    : in.prefetchOnly();
            if (!r.apply(s, prefetchOnly)) {
                continue;
            }
            RoaringBitmap accessed = Bitmaps.fromBytes(s.getAccessed().duplicate());
            out.andNot(accessed); // present pages are not out
            RoaringBitmap command = commands.get(new Key(vmId, s.getRegion(), s.getCycle()));
            if (command != null) {
                out.or(command); // executed after this scan, before the next interval
            }
            intervalsMicros.add(RegionTracker.micros(s.getScannedAt()) - RegionTracker.micros(s.getArmedAt()));
            accumulate(perCycle.computeIfAbsent(s.getCycle(), k -> new long[10]), s, r, in,
                    RoaringBitmap.andNotCardinality(accessed, prefetchOnly));
            cycleTime.merge(s.getCycle(), RegionTracker.micros(s.getScannedAt()), Math::max);
        }
        return stats(vmId, reg, regions, series(perCycle, cycleTime, fleetStart), median(intervalsMicros) / 1e6);
    }

    /** Adds one region's scan to its cycle's sums (see the {@code P_} indexes). */
    private void accumulate(long[] p, ScanResult s, RegionTracker r, Interval in, long touchedPages) {
        long[] idle = r.countIdle(agesMicros, windowMicros, false);
        long[] touched = r.countIdle(agesMicros, windowMicros, true);
        p[P_ACCESSED] += s.getAccessedCount();
        p[P_TOUCHED] += touchedPages;
        p[P_WS] += idle[agesMicros.length];
        p[P_RESIDENT] += s.getResidentCount();
        p[P_EVICTED] += s.getEvictedCount();
        p[P_REFAULTS] += in.refaults();
        p[P_PREFETCHED] += in.prefetched();
        p[P_COLD] = idle[0] < 0 || p[P_COLD] < 0 ? -1 : p[P_COLD] + idle[0];
        p[P_COLD_TOUCHED] = touched[0] < 0 || p[P_COLD_TOUCHED] < 0 ? -1 : p[P_COLD_TOUCHED] + touched[0];
        p[P_PAGES] += r.pages();
    }

    /** The VM's figures at its last scan, summed over its regions. */
    private VmStats stats(String vmId, VmRegistration reg, Map<Integer, RegionTracker> regions, List<Point> series,
                          double intervalSeconds) {
        long pages = 0, bytes = 0, evicted = 0, saved = 0, ws = 0, observed = 0, reclaimable = 0;
        long[] cold = new long[agesMicros.length];
        long[] coldTouched = new long[agesMicros.length];
        long[] reclaimAge = {options.reclaimAge().toNanos() / 1000};
        for (RegionTracker r : regions.values()) {
            long[] idle = r.countIdle(agesMicros, windowMicros, false);
            long[] touched = r.countIdle(agesMicros, windowMicros, true);
            pages += r.pages();
            bytes += r.pages() * r.pageSize();
            evicted += r.last().getEvictedCount();
            saved += r.last().getEvictedCount() * r.pageSize();
            ws += idle[agesMicros.length];
            reclaimable += Math.max(0, r.countIdle(reclaimAge, windowMicros, false)[0]);
            observed = Math.max(observed, r.observedMicros());
            for (int i = 0; i < cold.length; i++) {
                cold[i] = idle[i] < 0 || cold[i] < 0 ? -1 : cold[i] + idle[i];
                coldTouched[i] = touched[i] < 0 || coldTouched[i] < 0 ? -1 : coldTouched[i] + touched[i];
            }
        }
        long refaults = series.stream().mapToLong(Point::refaults).sum();
        long prefetched = series.stream().mapToLong(Point::prefetched).sum();
        double observedS = observed / 1e6;
        int pageSize = regions.isEmpty() ? 4096 : regions.values().iterator().next().pageSize();
        return new VmStats(vmId, reg == null ? "unknown" : reg.getHost(), reg == null ? "unknown" : reg.getAgentId(),
                reg == null ? "unknown" : reg.getState().name(), reg == null ? "unknown" : reg.getBackend(), pages,
                bytes, series.size(), observedS, intervalSeconds, coldAges(cold, pages),
                coldAges(coldTouched, pages),
                medianAfterWarmUp(series, Point::accessed), medianAfterWarmUp(series,
                Point::accessedExcludingPrefetch), ws, refaults, prefetched, observedS > 0 ? refaults / observedS : 0,
                evicted, saved, reclaimable, reclaimable * pageSize, series);
    }

    private static final int P_ACCESSED = 0, P_TOUCHED = 1, P_WS = 2, P_RESIDENT = 3, P_EVICTED = 4,
            P_REFAULTS = 5, P_PREFETCHED = 6, P_COLD = 7, P_COLD_TOUCHED = 8, P_PAGES = 9;

    private List<Point> series(Map<Long, long[]> perCycle, Map<Long, Long> cycleTime, long fleetStart) {
        List<Point> out = new ArrayList<>();
        perCycle.forEach((cycle, p) -> out.add(new Point(cycle, (cycleTime.get(cycle) - fleetStart) / 1e6,
                p[P_ACCESSED], p[P_TOUCHED], p[P_WS], p[P_RESIDENT], p[P_EVICTED], p[P_REFAULTS], p[P_PREFETCHED],
                share(p[P_COLD], p[P_PAGES]), share(p[P_COLD_TOUCHED], p[P_PAGES]))));
        return out;
    }

    private static double median(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }

    private static double share(long count, long pages) {
        return count < 0 || pages == 0 ? Double.NaN : (double) count / pages;
    }

    /** The median of a per-cycle figure, leaving out the cycles within the warm-up after the VM's first one. */
    private double medianAfterWarmUp(List<Point> series, java.util.function.ToLongFunction<Point> f) {
        if (series.isEmpty()) {
            return 0;
        }
        double start = series.getFirst().t() + seconds(options.warmUp());
        List<Point> kept = series.stream().filter(p -> p.t() >= start).toList();
        long[] v = (kept.isEmpty() ? series : kept).stream().mapToLong(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }

    private List<ColdAge> coldAges(long[] cold, long pages) {
        List<ColdAge> out = new ArrayList<>();
        for (int i = 0; i < cold.length; i++) {
            out.add(new ColdAge(agesMicros[i] / 1e6, cold[i] < 0 || pages == 0 ? null : (double) cold[i] / pages,
                    Math.max(0, cold[i])));
        }
        return out;
    }

    private List<HostStats> hosts(List<VmStats> vms) {
        Map<String, List<VmStats>> byHost = new TreeMap<>();
        vms.forEach(v -> byHost.computeIfAbsent(v.host(), k -> new ArrayList<>()).add(v));
        List<HostStats> out = new ArrayList<>();
        byHost.forEach((host, list) -> {
            List<ColdAge> cold = new ArrayList<>();
            for (int i = 0; i < agesMicros.length; i++) {
                long coldPages = 0, observedPages = 0;
                for (VmStats v : list) {
                    ColdAge c = v.cold().get(i);
                    if (c.fraction() != null) {
                        coldPages += c.pages();
                        observedPages += v.pages();
                    }
                }
                cold.add(new ColdAge(agesMicros[i] / 1e6, observedPages == 0 ? null
                        : (double) coldPages / observedPages, coldPages));
            }
            double observed = list.stream().mapToDouble(VmStats::observedSeconds).max().orElse(0);
            long refaults = list.stream().mapToLong(VmStats::refaults).sum();
            out.add(new HostStats(host, list.size(), list.stream().mapToLong(VmStats::pages).sum(),
                    list.stream().mapToLong(VmStats::bytes).sum(), cold,
                    list.stream().mapToLong(VmStats::workingSetPages).sum(), refaults,
                    observed > 0 ? refaults / observed : 0, list.stream().mapToLong(VmStats::savedBytes).sum(),
                    list.stream().mapToLong(VmStats::reclaimableBytes).sum()));
        });
        return out;
    }

    /** The latest registration per VM (the compacted topic's meaning), by registration time then read order. */
    private static Map<String, VmRegistration> latestRegistrations(List<VmRegistration> regs) {
        Map<String, VmRegistration> out = new LinkedHashMap<>();
        for (VmRegistration r : regs) {
            out.merge(r.getVmId(), r, (a, b) -> b.getRegisteredAt().isBefore(a.getRegisteredAt()) ? a : b);
        }
        return out;
    }

    /** Identifies one interval: the one that ends with the scan of this cycle. */
    private record Key(String vmId, int region, long cycle) {}

    /** What the refaults of one interval did: how many, how many pages they prefetched, and which may be. */
    private record Interval(long refaults, long prefetched, RoaringBitmap prefetchOnly, RoaringBitmap refaulted,
                            long[] prefetchers) {
        static final Interval EMPTY = new Interval(0, 0, new RoaringBitmap(), new RoaringBitmap(), new long[0]);

        /**
         * The pages these refaults can have prefetched given the pages {@code out} at the interval's start: evicted
         * pages within the window of a refault that prefetched anything. Updates {@code out} (refaulted and
         * prefetched pages are back).
         */
        RoaringBitmap prefetchedFrom(RoaringBitmap out, int w) {
            RoaringBitmap only = new RoaringBitmap();
            for (long p : prefetchers) {
                RoaringBitmap window = RoaringBitmap.and(out, RoaringBitmap.bitmapOfRange(Math.max(0, p - w),
                        Math.min(p + w + 1, 1L << 32)));
                only.or(window);
                out.andNot(window);
            }
            out.andNot(refaulted);
            only.andNot(refaulted);
            return only;
        }
    }

    /**
     * The refaults of each interval. A FaultEvent carries the number of cycles finished when it happened, so fault
     * cycle k falls in the interval that scan k + 1 closes. Which neighbours a refault prefetched is not recorded,
     * only how many: they are the evicted pages within its window ({@link Interval#prefetchedFrom}, when the VM's
     * evict commands are known), else any page of the window may be one (an over-estimate, so "excluding prefetch"
     * stays a lower bound of the touched pages); the refaulted pages themselves were touched.
     */
    private Map<Key, Interval> intervals(List<FaultEvent> faults) {
        Map<Key, long[]> counts = new HashMap<>();
        Map<Key, List<Long>> prefetchers = new HashMap<>();
        Map<Key, RoaringBitmap> maybe = new HashMap<>();
        Map<Key, RoaringBitmap> refaulted = new HashMap<>();
        int w = options.prefetchWindow();
        for (FaultEvent f : faults) {
            if (f.getKind() != FaultKind.REFAULT && f.getKind() != FaultKind.PREFETCH) {
                continue;
            }
            Key k = new Key(f.getVmId(), f.getRegion(), f.getCycle() + 1);
            long[] c = counts.computeIfAbsent(k, x -> new long[2]);
            if (f.getKind() == FaultKind.REFAULT) {
                c[0]++;
                refaulted.computeIfAbsent(k, x -> new RoaringBitmap()).add((int) f.getPage());
            }
            c[1] += f.getPrefetched();
            if (f.getPrefetched() > 0 || f.getKind() == FaultKind.PREFETCH) {
                long lo = Math.max(0, f.getPage() - w), hi = f.getPage() + w + 1;
                maybe.computeIfAbsent(k, x -> new RoaringBitmap()).add(lo, Math.min(hi, 1L << 32));
                prefetchers.computeIfAbsent(k, x -> new ArrayList<>()).add(f.getPage());
            }
        }
        Map<Key, Interval> out = new HashMap<>();
        counts.forEach((k, c) -> {
            RoaringBitmap only = maybe.getOrDefault(k, new RoaringBitmap());
            RoaringBitmap back = refaulted.getOrDefault(k, new RoaringBitmap());
            only.andNot(back);
            out.put(k, new Interval(c[0], c[1], only, back, prefetchers.getOrDefault(k, List.of()).stream()
                    .mapToLong(Long::longValue).toArray()));
        });
        return out;
    }

    /** The region's page count: from the registration when it lists the region, else from the scan. */
    private static long pagesOf(VmRegistration reg, ScanResult s) {
        if (reg != null) {
            for (RegionInfo r : reg.getRegions()) {
                if (r.getIndex() == s.getRegion() && r.getPageSize() > 0) {
                    return r.getSize() / r.getPageSize();
                }
            }
        }
        return s.getPages();
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
