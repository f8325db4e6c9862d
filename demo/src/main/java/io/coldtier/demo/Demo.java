package io.coldtier.demo;

import io.coldtier.agent.AgentService;
import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.report.ReportFiles;
import io.coldtier.report.ReportWriter;
import io.coldtier.report.RunRecording;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.schemas.Topics;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.coldtier.vmm.BaselineRun;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code coldtier demo}: the whole system on one machine, wired like production but in one JVM, plus the VMM as a
 * process of its own. Starts the embedded broker (or uses {@code --bootstrap-servers}), the tier-store (RocksDB in
 * the data directory), the evictor and an agent host; starts {@code coldtier vmm}, which first measures its guest's
 * untracked rate and then hands its memory over; shows each cycle live; and when the guest has run its duration and
 * verified every page, stops everything in reverse order and writes the report.
 *
 * <p>Each resource has one owner: this class owns the services (try-with-resources, closed in reverse start order),
 * {@link VmmProcess} the child process, {@link DecisionLog} its consumer, {@link DataDir} the temporary directory.
 */
public final class Demo {
    static final double TARGET_EVICTED = 0.60;
    static final double TARGET_RATIO = 0.95;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Start-up of a 1 GiB KVM guest's baseline plus JVM start; generous for a loaded 2-CPU host. */
    private static final Duration HAND_OVER_GRACE = Duration.ofSeconds(180);
    /** The final full verification refaults every evicted page through the tier (~100 µs each over the RPC). */
    private static final Duration FINISH_GRACE = Duration.ofSeconds(240);

    /**
     * What the run produced: the recording, where the report went, the exit code, and with {@code --vms N > 1} the
     * fleet report over all VMs (null otherwise, or when it could not be made; the output says why).
     */
    public record Result(RunRecording recording, ReportFiles files, int exitCode, FleetDemo.Outcome fleet) {}

    private final DemoConfig config;
    private final PrintStream out;
    private final LiveView view;
    /** Every VM of the run, the demo's own first ({@code --vms}). */
    private final List<FleetGuest> guests;
    /** Each VM's tracked operations per second, from its VMM's final report. */
    private final Map<String, Double> rates = new ConcurrentHashMap<>();
    /** The first moment a guest stopped: its verification touches every page, so the fleet report ends here. */
    private Instant guestsStopped;
    private FleetDemo.Outcome fleet;
    /** Whether every extra VMM exited with 0 (zero lost writes, every page verified). */
    private boolean extrasOk = true;
    /** Whether the services run at nice {@link Niceness#SERVICES} below the guest (root only). */
    private boolean niced;

    private Demo(DemoConfig config, int vms, PrintStream out) {
        this.config = config;
        this.out = out;
        this.guests = FleetGuest.plan(config, vms);
        this.view = new LiveView(out, !config.plainView() && LiveView.stdoutIsTerminal(),
                "coldtier demo: " + config.vmId() + ", " + config.describe()
                        + (vms > 1 ? " (+ " + (vms - 1) + " more VMs)" : ""),
                config.duration().toMillis() / 1000.0);
    }

    /** Runs the demo to the end. Exit code 0: zero lost writes and a clean stop (targets missed are only noted). */
    public static Result run(DemoConfig config, PrintStream out) throws InterruptedException {
        return run(config, 1, out);
    }

    /**
     * {@code coldtier demo --vms N}: the demo's own VM plus {@code vms - 1} threads guests with other patterns
     * ({@link FleetGuest#plan}) under the same agent host, and at the end the fleet report over all of them.
     */
    public static Result run(DemoConfig config, int vms, PrintStream out) throws InterruptedException {
        return new Demo(config, vms, out).run();
    }

    private Result run() throws InterruptedException {
        createDirectories(config.output());
        niced = Niceness.lowerCallingThread(); // before any service thread exists: they all inherit it
        Instant startedAt = Instant.now();
        try (DataDir data = DataDir.of(config.dataDir())) {
            Run run = runServices(data.path());
            run = run.withBaselineAfter(baselineAfter(run));
            RunRecording recording = Recordings.build(config, run, startedAt);
            ReportFiles files = ReportWriter.write(recording, config.output());
            view.end();
            printSummary(recording, files);
            RunRecording.Outcome o = recording.outcome();
            return new Result(recording, files, o.lostWrites() == 0 && o.cleanStop() && extrasOk ? 0 : 1, fleet);
        }
    }

    /** Everything the services and the VMM left for the recording. */
    record Run(CycleSampler sampler, List<RunRecording.PolicyDecision> decisions, double baselineOps,
               double baselineAfterOps, double baselineSeconds, List<VmmProcess.Progress> progress,
               Optional<JsonNode> vmmReport, Optional<Integer> vmmExit, String backend, double trackedSeconds,
               String vmmLastLine, boolean servicesNiced) {
        Run withBaselineAfter(double opsPerSecond) {
            return new Run(sampler, decisions, baselineOps, opsPerSecond, baselineSeconds, progress, vmmReport,
                    vmmExit, backend, trackedSeconds, vmmLastLine, servicesNiced);
        }
    }

    private Run runServices(Path data) throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path sock = data.resolve("agent.sock");
        view.status(config.bootstrapServers() == null ? "starting the embedded Kafka broker" : "using Kafka at "
                + config.bootstrapServers());
        EmbeddedKafka kafka = config.bootstrapServers() == null ? EmbeddedKafka.start(data.resolve("kafka")) : null;
        Run run;
        try {
            String bootstrap = kafka != null ? kafka.bootstrapServers() : config.bootstrapServers();
            try (TopicAdmin admin = new TopicAdmin(KafkaSettings.of(bootstrap, "coldtier-demo-admin"))) {
                admin.ensureTopics(Topics.newTopics(config.partitions(), (short) 1));
            }
            view.status("starting the tier-store (RocksDB), the evictor (" + config.policy() + ") and the agent");
            // Closed in reverse order: the agent first (it tombstones the gone VM's pages through Kafka), then the
            // evictor and the tier-store, and the broker last.
            try (TierStoreService tierStore = TierStoreService.start(TierStoreConfig.of(bootstrap,
                    data.resolve("rocksdb"), new InetSocketAddress(LOOPBACK, 0), config.partitions())
                    .withGroupId("coldtier-demo-tier-store"), registry);
                 EvictorService evictor = EvictorService.start(new EvictorConfig(bootstrap, "coldtier-demo-evictor",
                         PolicyConfig.of(config.policy()), config.partitions()), registry);
                 AgentHost host = AgentHost.start(AgentHostConfig.of(sock, KafkaSettings.of(bootstrap,
                         "coldtier-demo-agent"), new InetSocketAddress(LOOPBACK, tierStore.rpcPort()),
                         config.partitions()).withInterval(config.cycle()))) {
                run = runVm(bootstrap, host, sock);
            }
            if (guests.size() > 1) {
                fleet = fleetReport(bootstrap);
            }
            return run;
        } finally {
            view.status("stopped the agent, the evictor and the tier-store; stopping the broker");
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    /** The VMM's whole life: baseline, hand-over, tracked run, verification, exit. */
    private Run runVm(String bootstrap, AgentHost host, Path sock) throws InterruptedException {
        AtomicInteger cycle = new AtomicInteger();
        long t0 = System.nanoTime();
        try (DecisionLog decisions = new DecisionLog(KafkaSettings.of(bootstrap, "coldtier-demo-decisions"),
                config.vmId(), "coldtier-demo-decisions-" + ProcessHandle.current().pid() + "-" + t0, t0, cycle::get);
             VmmProcess vmm = VmmProcess.start(Niceness.guestPrefix(niced), io.coldtier.vmm.VmmMain.class,
                     vmmArgs(sock), config.output().resolve("vmm.log"));
             FleetVms extras = FleetVms.start(guests.subList(1, guests.size()), config, sock,
                     Niceness.guestPrefix(niced))) {
            view.status("coldtier vmm (pid " + vmm.pid() + "): measuring the guest's untracked rate for "
                    + Units.format(config.baseline()) + " (after its init), then handing its memory over");
            awaitHandOver(vmm);
            long trackStart = System.nanoTime();
            AgentService agent = host.agent(config.vmId()).orElseThrow(() -> new IllegalStateException(
                    "the agent host has no session for " + config.vmId() + " after the hand-over"));
            GuestMemory memory = host.memory(config.vmId()).orElseThrow();
            CycleSampler sampler = new CycleSampler(memory, agent.engine().metrics(), vmm, trackStart);
            agent.engine().onCycle(r -> {
                if (!vmm.stopping()) {
                    sampler.onCycle(r);
                    cycle.set(sampler.lastCycle());
                }
            });
            String backend = agent.tracker().describe();
            double trackedSeconds = watch(vmm, sampler);
            Optional<Integer> exit = vmm.awaitExit(FINISH_GRACE);
            awaitExtras(vmm, extras);
            return new Run(sampler, decisions.decisions(), vmm.baselineOpsPerSecond(), Double.NaN,
                    config.baseline().toMillis() / 1000.0, vmm.progress(), vmm.report(), exit, backend,
                    trackedSeconds, vmm.lastLine(), niced);
        }
    }

    /** Waits for the extra VMs to end and keeps every VM's rate for the fleet report's ground truth. */
    private void awaitExtras(VmmProcess vmm, FleetVms extras) throws InterruptedException {
        vmm.report().map(r -> r.path("ops_per_s").asDouble(Double.NaN)).ifPresent(r -> rates.put(config.vmId(), r));
        if (guests.size() == 1) {
            return;
        }
        view.status("waiting for the other " + (guests.size() - 1) + " VMs to stop and verify their pages");
        extras.awaitExit(FINISH_GRACE).forEach((id, code) -> {
            if (code.orElse(-1) != 0) {
                extrasOk = false;
                out.println("  note: coldtier vmm of " + id + " exited with " + code.map(String::valueOf)
                        .orElse("no exit (still running)") + "; see vmm-" + id + ".log");
            }
        });
        extras.reports().forEach((id, r) -> rates.put(id, r.path("ops_per_s").asDouble(Double.NaN)));
        List<Instant> stops = new ArrayList<>(extras.stoppedAt());
        vmm.stoppingAt().ifPresent(stops::add);
        guestsStopped = stops.stream().min(Comparator.naturalOrder()).orElse(null);
    }

    /** The fleet report over the whole run, read back from the broker once the services stopped; null on failure. */
    private FleetDemo.Outcome fleetReport(String bootstrap) {
        view.status("reading the run back from Kafka for the fleet report of " + guests.size() + " VMs");
        try {
            return FleetDemo.report(bootstrap, config, guests, rates, guestsStopped, out);
        } catch (RuntimeException e) {
            out.println("  note: the fleet report could not be made: " + e);
            return null;
        }
    }

    /**
     * The second untracked window, once every service has stopped and the VM is gone: the same guest in a JVM of
     * its own ({@link BaselineRun#main}). Together with the window before the hand-over it brackets the tracked run,
     * so a change of the host's load during the run skews the comparison less. NaN if the run did not end cleanly.
     */
    private double baselineAfter(Run run) throws InterruptedException {
        if (run.vmmExit().orElse(-1) != 0) {
            return Double.NaN;
        }
        view.status("every service stopped; measuring the guest's untracked rate once more ("
                + Units.format(config.baseline()) + " after its init)");
        try (VmmProcess baseline = VmmProcess.start(Niceness.guestPrefix(niced), BaselineRun.class, guestArgs(),
                config.output().resolve("baseline-after.log"))) {
            baseline.awaitExit(config.baseline().plus(HAND_OVER_GRACE));
            return baseline.baselineAfterOpsPerSecond();
        }
    }

    /** The guest's flags, the same for the tracked run and both untracked windows. */
    private List<String> guestArgs() {
        return List.of("--vm-id", config.vmId(), "--guest", config.guest(), "--guest-size",
                Long.toString(config.guestSize()), "--threads", Integer.toString(config.vcpus()), "--pattern",
                config.pattern(), "--hot-fraction", Double.toString(config.hotFraction()), "--hot-access",
                Double.toString(config.hotAccess()), "--baseline", config.baseline().toMillis() + "ms");
    }

    private List<String> vmmArgs(Path sock) {
        List<String> a = new ArrayList<>(guestArgs());
        a.addAll(List.of("--agent-socket", sock.toString(), "--duration", config.duration().toMillis() + "ms",
                "--zap", "on", "--report", config.output().resolve("vmm-report.json").toString()));
        if (config.pattern().equals("hot-cold")) {
            a.addAll(List.of("--phase-ops", "midway"));
        }
        return a;
    }

    private void awaitHandOver(VmmProcess vmm) throws InterruptedException {
        long deadline = System.nanoTime() + config.baseline().plus(HAND_OVER_GRACE).toNanos();
        while (!vmm.handedOver()) {
            if (!vmm.alive()) {
                throw new IllegalStateException("coldtier vmm exited before handing its memory over: "
                        + vmm.lastLine() + " (see " + config.output().resolve("vmm.log") + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("coldtier vmm did not hand its memory over within "
                        + config.baseline().plus(HAND_OVER_GRACE));
            }
            Thread.sleep(50);
        }
    }

    /** Shows every new sample until the VMM exits; returns the tracked seconds (hand-over → guest stopped). */
    private double watch(VmmProcess vmm, CycleSampler sampler) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + config.duration().plus(FINISH_GRACE).toNanos();
        int shown = 0;
        double tracked = Double.NaN;
        while (vmm.alive() && System.nanoTime() < deadline) {
            List<CycleSample> samples = sampler.samples();
            for (; shown < samples.size(); shown++) {
                boolean init = vmm.latest().map(p -> p.ops() == 0).orElse(true);
                view.cycle(samples.get(shown), vmm.baselineOpsPerSecond(), sampler.pages(),
                        init ? "guest init (each first touch is a MISSING fault the agent zero-fills)" : "tracking");
            }
            if (vmm.stopping() && Double.isNaN(tracked)) {
                tracked = (System.nanoTime() - start) / 1e9;
                view.status("guest stopped after " + Units.format(config.duration())
                        + ": verifying every page (each evicted page refaults through the tier-store)");
            }

            Thread.sleep(100);
        }
        return Double.isNaN(tracked) ? (System.nanoTime() - start) / 1e9 : tracked;
    }

    private void printSummary(RunRecording r, ReportFiles files) {
        RunRecording.Outcome o = r.outcome();
        out.printf(java.util.Locale.ROOT, "%ndemo finished: evicted %.1f %% of guest memory at peak (target ≥ %.0f %%),"
                        + " guest %s ops/s = %.1f %% of its untracked %s ops/s (target ≥ %.0f %%),"
                        + " %d refaults, %d evictions, lost writes %d, clean stop %s%n",
                o.evictedFraction() * 100, TARGET_EVICTED * 100, Units.si(o.guestOpsPerSecond()),
                o.throughputRatio() * 100, Units.si(r.baseline().opsPerSecond()), TARGET_RATIO * 100, o.refaults(),
                o.evictions(), o.lostWrites(), o.cleanStop() ? "yes" : "NO");
        o.notes().forEach(n -> out.println("  note: " + n));
        out.println("report: " + files.html().toAbsolutePath() + "  summary: " + files.summaryJson().toAbsolutePath());
        out.flush();
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + dir, e);
        }
    }

    /** The broker's logs, RocksDB and the hand-over socket: a given directory (kept) or a temporary one (deleted). */
    record DataDir(Path path, boolean temporary) implements AutoCloseable {
        static DataDir of(Path given) {
            try {
                if (given != null) {
                    return new DataDir(Files.createDirectories(given), false);
                }
                // Under /tmp, not the output directory: the socket path must stay under 108 bytes, and the data
                // (up to the guest's size in RocksDB) is not part of the report.
                return new DataDir(Files.createTempDirectory("coldtier-demo-"), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the data directory", e);
            }
        }

        @Override
        public void close() {
            if (!temporary) {
                return;
            }
            try (Stream<Path> walk = Files.walk(path)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a leftover temp dir is harmless
            }
        }
    }
}
