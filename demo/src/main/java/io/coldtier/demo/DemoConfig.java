package io.coldtier.demo;

import io.coldtier.evictor.PolicyConfig;
import io.coldtier.vmm.kvm.KvmGuest;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code coldtier demo} runs. {@link #defaults()} is the demo a fresh machine gets: a 1 GiB KVM guest where
 * {@code /dev/kvm} works (a threads guest otherwise) with a small hot set, a cold majority that stays cold and one
 * phase change halfway, tracked every second by {@code idle-age:cycles=3} for 90 s.
 *
 * @param vmId             the VM id handed over
 * @param guest            {@code kvm} or {@code threads}
 * @param guestSize        bytes of guest memory (multiple of 2 MiB)
 * @param vcpus            guest vCPUs (1 by default: on a 2-CPU host the other CPU serves the agent, Kafka and RocksDB)
 * @param pattern          {@code hot-cold} (with a phase change midway) or {@code sweep}
 * @param hotFraction      share of guest pages in the hot set
 * @param hotAccess        share of KVM guest operations aimed at the hot set (resolution 1/1024)
 * @param duration         how long the tracked guest runs
 * @param baseline         how long the untracked guest runs before the hand-over and again after the run, for
 *                         the baseline ops/s (the mean of both windows)
 * @param policy           evictor policy spec, e.g. {@code idle-age:cycles=3}
 * @param cycle            the agent's detection interval
 * @param output           directory for the report (created)
 * @param dataDir          broker logs and RocksDB; null = a temporary directory deleted at the end
 * @param bootstrapServers an external Kafka; null = start the embedded broker
 * @param partitions       partitions of the coldtier topics (only when the demo creates them)
 * @param plainView        force the plain one-line-per-cycle view even on a terminal
 */
public record DemoConfig(String vmId, String guest, long guestSize, int vcpus, String pattern, double hotFraction,
                         double hotAccess, Duration duration, Duration baseline, String policy, Duration cycle,
                         Path output, Path dataDir, String bootstrapServers, int partitions, boolean plainView) {
    public DemoConfig {
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(cycle, "cycle");
        Objects.requireNonNull(output, "output");
        if (!guest.equals("kvm") && !guest.equals("threads")) {
            throw new IllegalArgumentException("--guest must be kvm or threads, got '" + guest + "'");
        }
        if (!pattern.equals("hot-cold") && !pattern.equals("sweep")) {
            throw new IllegalArgumentException("--pattern must be hot-cold or sweep, got '" + pattern + "'");
        }
        if (guestSize <= 0 || guestSize % (2L << 20) != 0) {
            throw new IllegalArgumentException("--guest-size must be a positive multiple of 2 MiB, got " + guestSize);
        }
        if (vcpus < 1 || vcpus > 64) {
            throw new IllegalArgumentException("--vcpus must be in [1, 64], got " + vcpus);
        }
        if (!(hotFraction > 0 && hotFraction <= 1) || !(hotAccess >= 0 && hotAccess <= 1)) {
            throw new IllegalArgumentException("--hot-fraction must be in (0, 1] and --hot-access in [0, 1]");
        }
        if (!duration.isPositive() || !baseline.isPositive() || !cycle.isPositive()) {
            throw new IllegalArgumentException("--duration, --baseline and --cycle must be positive");
        }
        if (cycle.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--cycle " + cycle + " must be shorter than --duration " + duration);
        }
        PolicyConfig.of(policy); // fails with the policy's own message (unknown name, bad parameter)
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1");
        }
    }

    /** The fresh-machine demo; KVM is probed here, so this costs one open of {@code /dev/kvm}. */
    public static DemoConfig defaults() {
        String guest = KvmGuest.available().usable() ? "kvm" : "threads";
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        return new DemoConfig("vm-demo", guest, 1L << 30, 1, "hot-cold", 0.02, 1.0, Duration.ofSeconds(90),
                Duration.ofSeconds(8), "idle-age:cycles=3", Duration.ofSeconds(1),
                Path.of("coldtier-demo-" + stamp), null, null, 3, false);
    }

    public DemoConfig withGuest(String g) {
        return new DemoConfig(vmId, g, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withGuestSize(long bytes) {
        return new DemoConfig(vmId, guest, bytes, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withVcpus(int n) {
        return new DemoConfig(vmId, guest, guestSize, n, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withPattern(String p) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, p, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withHotSet(double fraction, double access) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, fraction, access, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withDuration(Duration d) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, d, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withBaseline(Duration d) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, d, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withPolicy(String spec) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, spec,
                cycle, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withCycle(Duration d) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                d, output, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withOutput(Path dir) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, dir, dataDir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withDataDir(Path dir) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dir, bootstrapServers, partitions, plainView);
    }

    public DemoConfig withBootstrapServers(String servers) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, servers, partitions, plainView);
    }

    public DemoConfig withPlainView(boolean plain) {
        return new DemoConfig(vmId, guest, guestSize, vcpus, pattern, hotFraction, hotAccess, duration, baseline, policy,
                cycle, output, dataDir, bootstrapServers, partitions, plain);
    }

    /** Guest pages of 4 KiB. */
    public long pages() {
        return guestSize >> 12;
    }

    /** One line for the view's header and the report. */
    public String describe() {
        return String.format(Locale.ROOT, "%s guest %d MiB, %d vCPU%s, %s (hot %.1f %% of pages%s), policy %s, cycle %s",
                guest, guestSize >> 20, vcpus, vcpus == 1 ? "" : "s", pattern, hotFraction * 100,
                pattern.equals("hot-cold") ? ", phase change midway" : "", policy, Units.format(cycle));
    }
}
