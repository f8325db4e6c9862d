package io.coldtier.demo;

import io.coldtier.bus.KafkaSettings;
import io.coldtier.fleet.FleetAnalysis;
import io.coldtier.fleet.FleetFiles;
import io.coldtier.fleet.FleetOptions;
import io.coldtier.fleet.FleetReader;
import io.coldtier.fleet.FleetReport;
import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.fleet.FleetReportWriter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet part of {@code coldtier demo --vms N}: once every service has stopped (the broker still runs), reads the
 * whole run back from Kafka, writes the fleet report into {@code <output>/fleet/}, and compares each modelled VM's
 * figures with its ground truth ({@link GuestModel}) within the bounds below.
 */
public final class FleetDemo {
    /** Cold share at the shortest idle age: within this many percentage points of the model. */
    public static final double COLD_BOUND_PP = 10;
    /** Mean working set per cycle: within this share of the model, plus {@link #WSS_SLACK_PAGES}. */
    public static final double WSS_BOUND = 0.25;
    public static final double WSS_SLACK_PAGES = 64;
    /** The demo's run is short: reclaimable = idle at least the shortest age; 5 s of warm-up (the guest's init). */
    static final Duration WARM_UP = Duration.ofSeconds(5);

    /** One comparison of a report figure with the generator's ground truth. */
    public record Check(String vmId, String figure, double expected, double measured, double bound, boolean ok) {
        String line() {
            return String.format(Locale.ROOT, "%-11s %-32s expected %10.1f measured %10.1f (bound ±%.1f) %s", vmId,
                    figure, expected, measured, bound, ok ? "ok" : "OUTSIDE");
        }
    }

    /** The fleet report and its checks. */
    public record Outcome(FleetFiles files, FleetReport report, List<Check> checks) {
        public boolean allOk() {
            return checks.stream().allMatch(Check::ok);
        }
    }

    private FleetDemo() {}

    /**
     * Reads the run back, writes the report and checks it.
     *
     * @param rates each VM's operations per second over its tracked run, from its VMM's report
     * @param until the first moment a guest stopped: the final verification that follows touches every page
     */
    static Outcome report(String bootstrap, DemoConfig config, List<FleetGuest> guests, Map<String, Double> rates,
                          java.time.Instant until, PrintStream out) {
        FleetReader.Read read = FleetReader.read(KafkaSettings.of(bootstrap, "coldtier-demo-fleet"),
                Duration.ofSeconds(60));
        FleetOptions options = FleetOptions.defaults().withReclaimAge(FleetOptions.defaults().ages().getFirst())
                .withWarmUp(WARM_UP).withUntil(until);
        FleetReport report = FleetAnalysis.analyse(read.input(), options, Clock.systemUTC());
        FleetFiles files = FleetReportWriter.write(report, config.output().resolve("fleet"));
        List<Check> checks = checks(report, config, guests, rates);
        out.println("fleet report: " + files.html().toAbsolutePath() + " (" + report.vms().size() + " VMs)");
        checks.forEach(c -> out.println("  " + c.line()));
        return new Outcome(files, report, checks);
    }

    static List<Check> checks(FleetReport report, DemoConfig config, List<FleetGuest> guests,
                              Map<String, Double> rates) {
        List<Check> out = new ArrayList<>();
        double cycle = config.cycle().toNanos() / 1e9;
        for (FleetGuest g : guests) {
            Optional<VmStats> vm = report.vms().stream().filter(v -> v.vmId().equals(g.vmId())).findFirst();
            Optional<GuestModel> model = GuestModel.of(g, rates.getOrDefault(g.vmId(), Double.NaN));
            if (vm.isEmpty() || model.isEmpty()) {
                continue;
            }
            VmStats v = vm.get();
            // Which bound to compare: a refault's prefetched neighbours are present whether touched or not. A sweep
            // touches them right after (they are its next pages), so its truth is the figure as scanned; a hot-cold
            // guest touches a cold neighbour within the same interval with probability ~λc·Δ (about 1 %), so its
            // truth is the figure excluding prefetch.
            boolean sweep = g.pattern().equals("sweep");
            var cold = (sweep ? v.cold() : v.coldExcludingPrefetch()).getFirst();
            String basis = sweep ? " (as scanned)" : " (excl. prefetch)";
            if (cold.fraction() != null) {
                double expected = model.get().coldShare(cold.ageSeconds()) * 100;
                double measured = cold.fraction() * 100;
                out.add(new Check(g.vmId(), "cold % at " + (int) cold.ageSeconds() + " s" + basis, expected,
                        measured, COLD_BOUND_PP, Math.abs(measured - expected) <= COLD_BOUND_PP));
            }
            // Per interval as observed (armed → scanned), which is shorter than the cycle by the freeze and eviction.
            double interval = Double.isFinite(v.intervalSeconds()) ? v.intervalSeconds() : cycle;
            double expected = model.get().workingSetPerInterval(interval);
            double measured = sweep ? v.workingSetPerCycle() : v.workingSetPerCycleExcludingPrefetch();
            double bound = WSS_BOUND * expected + WSS_SLACK_PAGES;
            out.add(new Check(g.vmId(), "WSS pages/cycle" + basis, expected, measured, bound,
                    Math.abs(measured - expected) <= bound));
        }
        return out;
    }
}
