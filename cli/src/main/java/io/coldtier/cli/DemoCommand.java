package io.coldtier.cli;

import io.coldtier.cli.ops.Logfmt;
import io.coldtier.demo.Demo;
import io.coldtier.demo.DemoConfig;
import io.coldtier.demo.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.FileHandler;
import java.util.logging.Level;
import java.util.logging.Handler;
import java.util.logging.Logger;

/** {@code coldtier demo}: the whole system in one command, with a live view and a report at the end. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run the whole system on this machine: the embedded Kafka broker (or --bootstrap-servers), the tier-store"
                    + " (RocksDB), the evictor, an agent, and a `coldtier vmm` process whose guest (KVM where /dev/kvm"
                    + " works, threads otherwise) first runs untracked for --baseline, then is handed over and"
                    + " tracked for --duration, and runs untracked once more after everything stopped. A live view shows every cycle (refreshing in place on a terminal,"
                    + " one line per cycle otherwise); at the end every page is verified, everything stops, and the"
                    + " report (report.html, summary.json) goes to --output.",
            "",
            "Defaults: a 1 GiB guest with a hot set of 2 %% of its pages that moves once midway, idle-age:cycles=3,"
                    + " a 1 s cycle, 90 s tracked; about 2.5 minutes in all.",
        },
        footer = {
            "%nExit codes: 0 zero lost writes and a clean stop (a missed eviction or throughput target is only noted"
                    + " in the summary), 1 lost writes or an unclean stop, 2 bad flags.",
            "Example: coldtier demo --guest-size 512m --duration 60s --policy idle-age:cycles=5 --output /tmp/demo",
        })
public final class DemoCommand implements Callable<Integer> {
    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final List<Logger> QUIET = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Option(names = "--guest", paramLabel = "kvm|threads", description = "Guest kind (default: kvm if /dev/kvm is usable, else threads).")
    String guest;

    @Option(names = "--guest-size", paramLabel = "SIZE", description = "Guest memory, multiple of 2 MiB (default 1g).")
    String guestSize;

    @Option(names = "--vcpus", paramLabel = "N", description = "Guest vCPUs (default 1: the other CPU serves agent, Kafka, RocksDB).")
    Integer vcpus;

    @Option(names = "--pattern", paramLabel = "hot-cold|sweep",
            description = "Workload: hot set + cold majority with a phase change midway, or a sweep (default hot-cold).")
    String pattern;

    @Option(names = "--hot-fraction", paramLabel = "F", description = "Share of pages in the hot set (default 0.02).")
    Double hotFraction;

    @Option(names = "--hot-access", paramLabel = "F",
            description = "Share of the KVM guest's operations on the hot set, in steps of 1/1024 (default 1.0).")
    Double hotAccess;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Tracked run time of the guest (default 90s).")
    String duration;

    @Option(names = "--baseline", paramLabel = "DURATION", description = "Untracked run before the hand-over and again after everything stopped; the baseline is the mean (default 8s).")
    String baseline;

    @Option(names = "--policy", paramLabel = "SPEC",
            description = "Eviction policy: idle-age:cycles=N, budget:..., refault-slo:... (default idle-age:cycles=3).")
    String policy;

    @Option(names = "--cycle", paramLabel = "DURATION", description = "Detection interval (default 1s).")
    String cycle;

    @Option(names = "--output", paramLabel = "DIR", description = "Report directory (default ./coldtier-demo-<timestamp>).")
    Path output;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's logs and RocksDB here (default: a temporary directory, deleted at the end).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka instead of starting the embedded broker.")
    String bootstrapServers;

    @Option(names = "--plain", description = "One line per cycle even on a terminal.")
    boolean plain;

    @Option(names = "--vms", paramLabel = "N", defaultValue = "1",
            description = "Run N VMs under the one agent: the demo's own plus N-1 small threads guests with other"
                    + " patterns, and write the fleet report into <output>/fleet/ too (default 1).")
    int vms;

    @Override
    public Integer call() throws Exception {
        DemoConfig config;
        try {
            config = config();
            io.coldtier.demo.FleetGuest.plan(config, vms); // validates --vms
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        FileHandler log = logTo(config.output());
        try {
            return Demo.run(config, vms, System.out).exitCode();
        } finally {
            log.close(); // flushes, and removes its .lck file
        }
    }

    private DemoConfig config() {
        DemoConfig c = DemoConfig.defaults();
        c = guest != null ? c.withGuest(guest) : c;
        c = guestSize != null ? c.withGuestSize(Units.size("--guest-size", guestSize)) : c;
        c = vcpus != null ? c.withVcpus(vcpus) : c;
        c = pattern != null ? c.withPattern(pattern) : c;
        c = hotFraction != null || hotAccess != null ? c.withHotSet(hotFraction != null ? hotFraction
                : c.hotFraction(), hotAccess != null ? hotAccess : c.hotAccess()) : c;
        c = duration != null ? c.withDuration(Units.duration("--duration", duration)) : c;
        c = baseline != null ? c.withBaseline(Units.duration("--baseline", baseline)) : c;
        c = policy != null ? c.withPolicy(policy) : c;
        c = cycle != null ? c.withCycle(Units.duration("--cycle", cycle)) : c;
        c = output != null ? c.withOutput(output) : c;
        c = dataDir != null ? c.withDataDir(dataDir) : c;
        c = bootstrapServers != null ? c.withBootstrapServers(bootstrapServers) : c;
        return c.withPlainView(plain);
    }

    /**
     * The services log through java.util.logging; on the terminal that would tear the live view apart, so every
     * log line goes to {@code demo.log} in the output directory instead (Kafka's INFO chatter not at all).
     */
    private static FileHandler logTo(Path output) throws IOException {
        Files.createDirectories(output);
        Logfmt.install(Level.INFO); // the house format; then its console handler is swapped for the file
        Logger root = Logger.getLogger("");
        FileHandler file = new FileHandler(output.resolve("demo.log").toString(), false);
        for (Handler h : root.getHandlers()) {
            file.setFormatter(h.getFormatter());
            root.removeHandler(h);
        }
        root.addHandler(file);
        for (String noisy : new String[] {"org.apache.kafka", "kafka", "state.change.logger"}) {
            Logger l = Logger.getLogger(noisy);
            l.setLevel(Level.WARNING);
            QUIET.add(l);
        }
        return file;
    }
}
