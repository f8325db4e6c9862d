package io.coldtier.trace;

import io.coldtier.evictor.Command;
import io.coldtier.evictor.Evictor;
import io.coldtier.evictor.FaultInput;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.ScanInput;
import io.coldtier.evictor.service.AvroMapping;
import io.coldtier.trace.internal.DoubleSeries;
import io.coldtier.trace.internal.SecondRing;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs one policy offline over a trace with the evictor's own code: each record is mapped with
 * {@link AvroMapping} and applied to an {@link Evictor} exactly as {@code EvictorService} does it live
 * ({@code toScanInput} → {@code onScan}, {@code toFaultInput} → {@code onFault}; a record either rejects
 * is skipped, as the service dead-letters it). On top sits a residency model:
 *
 * <ul>
 *   <li>pages named in a command become <em>evicted</em>;</li>
 *   <li>an access to an evicted page, seen in a scan's accessed bitmap or as a {@code REFAULT} /
 *       {@code TRAP} fault, is a <em>refault</em> (promotion) and makes the page resident again;
 *       {@code PREFETCH} makes it resident without counting;</li>
 *   <li>memory saved = evicted bytes / bytes of all regions seen, sampled after every applied scan;</li>
 *   <li>refaults per minute of event time as % of the working set (pages accessed in the last scan of
 *       each region, summed over VMs, at the end of the minute);</li>
 *   <li>an SLO violation: an applied scan after which the VM's refaults in the last 60 s exceed
 *       {@code slo}% of its working set.</li>
 * </ul>
 *
 * Per-page state lives in the evictor's compact arrays and one RoaringBitmap of evicted pages per
 * region; nothing is allocated per page. Single-threaded, like the evictor.
 */
public final class Simulator implements Consumer<TraceRecord> {
    /** SLO violation cycles kept for the report (the count is always exact). */
    public static final int MAX_VIOLATIONS_KEPT = 1000;

    private final String policySpec;
    private final double sloPercentPerMinute;
    private final Evictor evictor;
    private final Consumer<Command> commandListener;
    private final Map<String, VmSim> vms = new HashMap<>();
    private final DoubleSeries saved = new DoubleSeries();
    private final DoubleSeries perMinute = new DoubleSeries();
    private final List<String> violationCycles = new ArrayList<>();
    private long violations;
    private long firstMicros = Long.MIN_VALUE;
    private long minute = -1;
    private long minuteRefaults;
    private long totalBytes;
    private long evictedBytes;
    private long fleetWorkingSet;
    private long scans;
    private long faults;
    private long rejected;
    private long pageStates;
    private long commands;
    private long pagesCommanded;
    private long refaults;
    private long nanos;

    /**
     * @param policySpec           a policy spec as the evictor takes it, applied to every VM
     * @param sloPercentPerMinute  refault SLO in % of the working set per minute (e.g. 0.2)
     * @param commandListener      sees every command, in order (null for none)
     */
    public Simulator(String policySpec, double sloPercentPerMinute, Consumer<Command> commandListener) {
        this(PolicyConfig.of(policySpec), sloPercentPerMinute, commandListener);
    }

    public Simulator(PolicyConfig policies, double sloPercentPerMinute, Consumer<Command> commandListener) {
        this.policySpec = policies.defaultSpec()
                + (policies.overrides().isEmpty() ? "" : " (+" + policies.overrides().size() + " overrides)");
        if (!(sloPercentPerMinute > 0)) {
            throw new IllegalArgumentException("slo must be > 0 %/min, got " + sloPercentPerMinute);
        }
        this.sloPercentPerMinute = sloPercentPerMinute;
        this.evictor = new Evictor(policies);
        this.commandListener = commandListener == null ? c -> { } : commandListener;
    }

    public Simulator(String policySpec, double sloPercentPerMinute) {
        this(policySpec, sloPercentPerMinute, null);
    }

    @Override
    public void accept(TraceRecord r) {
        long t0 = System.nanoTime();
        if (firstMicros == Long.MIN_VALUE) {
            firstMicros = r.eventMicros();
        }
        advanceMinute(r.eventMicros());
        switch (r) {
            case TraceRecord.Scan s -> onScan(s);
            case TraceRecord.Fault f -> onFault(f);
        }
        nanos += System.nanoTime() - t0;
    }

    private void onScan(TraceRecord.Scan rec) {
        ScanInput in;
        try {
            in = AvroMapping.toScanInput(rec.value());
        } catch (RuntimeException e) {
            rejected++;
            return;
        }
        VmSim vm = vms.computeIfAbsent(in.vmId(), VmSim::new);
        RegionSim region = vm.regions.get(in.region());
        boolean fresh = region == null || in.cycle() > region.lastCycle;
        Optional<Command> command;
        try {
            command = evictor.onScan(in);
        } catch (RuntimeException e) {
            rejected++;   // the service would dead-letter it: nothing changed in the core
            return;
        }
        scans++;
        if (!fresh) {
            return;   // a duplicate: the core ignored it too
        }
        if (region == null) {
            region = new RegionSim(in.pages(), in.pageSize());
            vm.regions.put(in.region(), region);
            totalBytes += in.pages() * in.pageSize();
        }
        region.lastCycle = in.cycle();
        pageStates += in.pages();
        RoaringBitmap accessed = in.accessed();
        long hits = RoaringBitmap.andCardinality(accessed, region.out);
        if (hits > 0) {
            region.out.andNot(accessed);
            refault(vm, in.scannedAtMicros(), hits);
        }
        long ws = accessed.getLongCardinality();
        vm.workingSet += ws - region.lastAccessed;
        fleetWorkingSet += ws - region.lastAccessed;
        region.lastAccessed = ws;
        if (command.isPresent()) {
            Command c = command.get();
            region.out.or(c.pages());
            commands++;
            pagesCommanded += c.pages().getLongCardinality();
            commandListener.accept(c);
        }
        long before = region.evicted;
        region.evicted = region.out.getLongCardinality();
        evictedBytes += (region.evicted - before) * region.pageSize;
        saved.add((in.scannedAtMicros() - firstMicros) / 1e6, 100.0 * evictedBytes / totalBytes);
        if (vm.workingSet > 0
                && vm.window.lastMinute(in.scannedAtMicros()) * 100.0 / vm.workingSet > sloPercentPerMinute) {
            violations++;
            if (violationCycles.size() < MAX_VIOLATIONS_KEPT) {
                violationCycles.add(Command.idOf(in.vmId(), in.region(), in.cycle()));
            }
        }
    }

    private void onFault(TraceRecord.Fault rec) {
        FaultInput in;
        try {
            in = AvroMapping.toFaultInput(rec.value());
            evictor.onFault(in);
        } catch (RuntimeException e) {
            rejected++;
            return;
        }
        faults++;
        VmSim vm = vms.get(in.vmId());
        RegionSim region = vm == null ? null : vm.regions.get(in.region());
        if (region == null || in.page() >= region.pages) {
            return;   // before the region's first scan: the core ignores it as well
        }
        int page = (int) in.page();
        switch (in.kind()) {
            case REFAULT, TRAP -> {
                if (region.out.checkedRemove(page)) {
                    region.evicted--;
                    evictedBytes -= region.pageSize;
                    refault(vm, in.atMicros(), 1);
                }
            }
            case PREFETCH -> {
                if (region.out.checkedRemove(page)) {
                    region.evicted--;
                    evictedBytes -= region.pageSize;
                }
            }
            case POISON -> { }
        }
    }

    private void refault(VmSim vm, long atMicros, long n) {
        refaults += n;
        minuteRefaults += n;
        vm.window.add(atMicros, n);
    }

    /** Closes every minute bucket that ends at or before {@code nowMicros}. */
    private void advanceMinute(long nowMicros) {
        long m = Math.floorDiv(nowMicros - firstMicros, 60_000_000L);
        if (minute < 0) {
            minute = m;
            return;
        }
        while (minute < m) {
            closeMinute();
            minute++;
        }
    }

    private void closeMinute() {
        perMinute.add(minute, fleetWorkingSet == 0 ? 0 : minuteRefaults * 100.0 / fleetWorkingSet);
        minuteRefaults = 0;
    }

    /** The outcome so far (the current, partial minute is counted as a minute). */
    public SimResult result() {
        DoubleSeries minutes = copyWithOpenMinute();
        return new SimResult(policySpec, sloPercentPerMinute, scans, faults, rejected, pageStates, commands,
                pagesCommanded, refaults, saved.mean(), saved.quantile(0.05), saved.x(), saved.y(),
                minutes.mean(), minutes.max(), minutes.x(), minutes.y(), violations, List.copyOf(violationCycles),
                nanos);
    }

    private DoubleSeries copyWithOpenMinute() {
        DoubleSeries out = new DoubleSeries();
        double[] x = perMinute.x();
        double[] y = perMinute.y();
        for (int i = 0; i < x.length; i++) {
            out.add(x[i], y[i]);
        }
        if (minute >= 0) {
            out.add(minute, fleetWorkingSet == 0 ? 0 : minuteRefaults * 100.0 / fleetWorkingSet);
        }
        return out;
    }

    public Evictor evictor() {
        return evictor;
    }

    private static final class VmSim {
        final Map<Integer, RegionSim> regions = new HashMap<>();
        final SecondRing window = new SecondRing();
        long workingSet;

        VmSim(String vmId) {
            Objects.requireNonNull(vmId);
        }
    }

    private static final class RegionSim {
        final RoaringBitmap out = new RoaringBitmap();
        final long pages;
        final long pageSize;
        long lastCycle = Long.MIN_VALUE;
        long lastAccessed;
        long evicted;

        RegionSim(long pages, long pageSize) {
            this.pages = pages;
            this.pageSize = pageSize;
        }
    }
}
