package io.coldtier.vmm;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code --baseline D}: the guest's untracked operation rate, the yardstick for "how much does tracking cost the
 * guest". The same guest kind, size, vCPUs and pattern run for {@code D} on memory of their own (a fresh memfd that
 * is never handed over or registered), before the real run's memory exists, so the two never share pages or compete
 * for RAM. The clock starts at the first published operation: the guest's init (stamping every page, ~2 s for a
 * 1 GiB KVM guest) is not part of the rate, just as a tracked run's rate should be read after its init.
 *
 * <p>Prints one line {@code vmm <id>: baseline ops_per_s=… seconds=… init_s=… errors=…} that callers parse
 * ({@link #parseOpsPerSecond}). {@link #main} runs the same measurement as a JVM of its own, without an agent, and
 * prints {@code baseline-after ops_per_s=…}: {@code coldtier demo} runs it once the tracked run is over and every
 * service has stopped, so the two windows bracket the tracked run. (Not in the VMM process after its run: the agent
 * would still be winding the VM down then, and its work would slow the second window.)
 */
public final class BaselineRun {
    /** Longest wait for the guest's first operation (a 1 GiB KVM guest's init takes 2–10 s on a busy host). */
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(120);
    /** The line's marker before the tracked run ({@code baseline ops_per_s=}) and after it. */
    public static final String BEFORE = "baseline ops_per_s=";
    public static final String AFTER = "baseline-after ops_per_s=";

    /** @param opsPerSecond untracked ops/s after init; @param initSeconds time to the first op; @param errors data errors */
    public record Result(double opsPerSecond, double seconds, double initSeconds, long errors) {}

    private BaselineRun() {}

    /**
     * Runs the guest untracked for {@code config.baseline()} and prints the baseline line to {@code out}.
     *
     * @param marker {@link #BEFORE} or {@link #AFTER}: which window this is
     */
    public static Result measure(VmmConfig config, PrintStream out, String marker) throws InterruptedException {
        try (VmmMemory memory = VmmMemory.create(config.guestSize(), false)) {
            long t0 = System.nanoTime();
            Guest guest = switch (config.guest()) {
                case THREADS -> ThreadsGuest.start(memory, config);
                case KVM -> KvmGuestHook.start(memory, config);
            };
            try (guest) {
                long initDeadline = t0 + INIT_TIMEOUT.toNanos();
                Guest.Progress p = guest.progress();
                while (p.ops() == 0 && System.nanoTime() < initDeadline) {
                    Thread.sleep(20);
                    p = guest.progress();
                }
                long start = System.nanoTime();
                long ops0 = p.ops();
                Thread.sleep(config.baseline().toMillis());
                Guest.Progress end = guest.progress();
                double seconds = (System.nanoTime() - start) / 1e9;
                Guest.Result r = guest.finish(Duration.ofSeconds(60));
                Result result = new Result((end.ops() - ops0) / seconds, seconds, (start - t0) / 1e9,
                        r.errors() + Math.max(0, r.verifyFailures()));
                synchronized (out) {
                    out.println("vmm " + config.vmId() + ": " + String.format(Locale.ROOT,
                            marker + "%.1f seconds=%.2f init_s=%.2f errors=%d (untracked %s guest, %d MiB, %d vCPUs)",
                            result.opsPerSecond(), result.seconds(), result.initSeconds(), result.errors(),
                            config.guest().name().toLowerCase(Locale.ROOT), config.guestSize() >> 20,
                            config.threads()));
                    out.flush();
                }
                return result;
            }
        }
    }

    /**
     * {@code java ... io.coldtier.vmm.BaselineRun --vm-id ID --guest kvm --guest-size 1g --baseline 8s ...}: the
     * VMM's guest flags ({@link VmmConfig#fromFlags}; {@code --agent-socket} is not needed), one untracked window,
     * printed with the {@link #AFTER} marker. Exit code 0, or 1 if the guest saw data errors, 2 on bad flags.
     */
    public static void main(String[] args) throws InterruptedException {
        VmmConfig config;
        try {
            java.util.Map<String, String> flags = VmmMain.parse(args);
            flags.putIfAbsent("agent-socket", "/nonexistent/no-agent-needed");
            config = VmmConfig.fromFlags(flags);
            if (!config.baseline().isPositive()) {
                throw new IllegalArgumentException("--baseline is required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("coldtier baseline: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result r = measure(config, System.out, AFTER);
        System.exit(r.errors() == 0 ? 0 : 1);
    }

    /** The ops/s of a baseline line with {@code marker}, or NaN if {@code line} is not one. */
    public static double parseOpsPerSecond(String line, String marker) {
        int i = line.indexOf(marker);
        if (i < 0) {
            return Double.NaN;
        }
        int from = i + marker.length();
        int to = line.indexOf(' ', from);
        try {
            return Double.parseDouble(line.substring(from, to < 0 ? line.length() : to));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * The phase length that moves the hot set about halfway through the tracked run. The guest counts operations,
     * not time (each vCPU its own), and a tracked guest runs somewhat slower than its baseline (plus its init under
     * tracking is slower), so the phase is 40 % of the run's operations at the baseline rate: at 80–100 % of the
     * baseline rate the change lands at 40–50 % of the run, and it still happens within the run down to 40 %.
     */
    static long midwayPhaseOps(Result baseline, VmmConfig config) {
        double opsPerVcpu = baseline.opsPerSecond() * config.duration().toMillis() / 1000.0 / config.threads();
        return Math.max(1, (long) (opsPerVcpu * 0.4));
    }
}
