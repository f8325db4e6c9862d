package io.coldtier.vmm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code coldtier vmm} runs. Built from flags ({@link #fromFlags}), the one parser both the CLI and the bare
 * {@link VmmMain} use.
 *
 * @param agentSocket     the agent's hand-over socket
 * @param vmId            the VM id handed over (no '/')
 * @param guest           what runs in the guest memory
 * @param guestSize       bytes of guest memory, a multiple of 2 MiB (one memfd, one region)
 * @param pattern         the threads guest's access pattern
 * @param duration        how long the guest runs
 * @param threads         vCPUs of the guest
 * @param hotFraction     fraction of pages in the hot set (hot-cold pattern)
 * @param thinkTime       pause between a vCPU's operations (0 = none)
 * @param seed            seed of the guest's random streams
 * @param report          also write the final JSON report here (null = stdout only)
 * @param serveZap        announce the {@code zap} capability and serve the agent's zap requests
 * @param registerSelf    do UFFDIO_REGISTER(MISSING|WP) before the hand-over (otherwise the agent does)
 * @param attachTimeout   longest wait for the first accepted hand-over before giving up
 * @param maxBackoff      longest pause between reconnection attempts after losing the agent
 * @param hotAccessFraction share of the KVM guest's operations aimed at its hot set, [0, 1] in steps of 1/1024
 *                        (the rest pick a page anywhere in the slice); 1 leaves the cold pages untouched
 * @param phaseOps        KVM guest: operations per vCPU after which the hot set moves to the next
 *                        {@code hotFraction} of the slice (0 = never); see {@link #PHASE_MIDWAY}
 * @param baseline        before the hand-over, run the same guest untracked on its own memory for this long and
 *                        report its operation rate ({@link BaselineRun}); zero = no baseline
 */
public record VmmConfig(Path agentSocket, String vmId, GuestKind guest, long guestSize, Pattern pattern,
                        Duration duration, int threads, double hotFraction, Duration thinkTime, long seed, Path report,
                        boolean serveZap, boolean registerSelf, Duration attachTimeout, Duration maxBackoff,
                        double hotAccessFraction, long phaseOps, Duration baseline) {
    public static final long GUEST_ALIGN = 2L << 20;
    /**
     * {@code --phase-ops midway}: the phase length is set from the measured baseline so that the hot set moves once,
     * halfway through {@code --duration} (needs {@code --baseline}; {@link VmmMain} resolves it before the run).
     */
    public static final long PHASE_MIDWAY = -1;
    /** The KVM guest's phase length when none is given: 2^24 operations per vCPU (about a second at full speed). */
    public static final long DEFAULT_PHASE_OPS = 1L << 24;

    /** {@code --guest}. */
    public enum GuestKind { THREADS, KVM }

    /** {@code --pattern} of the threads guest. */
    public enum Pattern { HOT_COLD, SWEEP }

    /** Every flag {@link #fromFlags} accepts, without the leading "--". */
    public static final Set<String> FLAGS = Set.of("agent-socket", "vm-id", "guest", "guest-size", "pattern",
            "duration", "threads", "hot-fraction", "think-time", "seed", "report", "zap", "register", "attach-timeout",
            "max-backoff", "hot-access", "phase-ops", "baseline");

    public VmmConfig {
        Objects.requireNonNull(agentSocket, "agentSocket");
        Objects.requireNonNull(vmId, "vmId");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(thinkTime, "thinkTime");
        Objects.requireNonNull(attachTimeout, "attachTimeout");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (vmId.isEmpty() || vmId.indexOf('/') >= 0) {
            throw new IllegalArgumentException("--vm-id must be non-empty and without '/': '" + vmId + "'");
        }
        if (guestSize <= 0 || guestSize % GUEST_ALIGN != 0) {
            throw new IllegalArgumentException("--guest-size " + guestSize + " must be a positive multiple of 2 MiB");
        }
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("--threads " + threads + " must be in [1, 256]");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        Objects.requireNonNull(baseline, "baseline");
        if (!(hotAccessFraction >= 0 && hotAccessFraction <= 1)) {
            throw new IllegalArgumentException("--hot-access " + hotAccessFraction + " must be in [0, 1]");
        }
        if (phaseOps < PHASE_MIDWAY) {
            throw new IllegalArgumentException("--phase-ops " + phaseOps + " must be >= 0 or 'midway'");
        }
        if (baseline.isNegative()) {
            throw new IllegalArgumentException("--baseline must not be negative");
        }
        if (phaseOps == PHASE_MIDWAY && baseline.isZero()) {
            throw new IllegalArgumentException("--phase-ops midway needs --baseline (the phase length comes from the"
                    + " measured operation rate)");
        }
    }

    /** The same configuration with another phase length (how {@link VmmMain} resolves {@link #PHASE_MIDWAY}). */
    public VmmConfig withPhaseOps(long ops) {
        return new VmmConfig(agentSocket, vmId, guest, guestSize, pattern, duration, threads, hotFraction, thinkTime,
                seed, report, serveZap, registerSelf, attachTimeout, maxBackoff, hotAccessFraction, ops, baseline);
    }

    /**
     * Parses {@code --name value} flags (name without dashes → raw value).
     *
     * @throws IllegalArgumentException naming the flag
     */
    public static VmmConfig fromFlags(Map<String, String> flags) {
        for (String k : flags.keySet()) {
            if (!FLAGS.contains(k)) {
                throw new IllegalArgumentException("unknown flag --" + k + " (known: " + new LinkedHashSet<>(FLAGS.stream()
                        .sorted().map(f -> "--" + f).toList()) + ")");
            }
        }
        return new VmmConfig(
                Path.of(required(flags, "agent-socket")),
                required(flags, "vm-id"),
                switch (flags.getOrDefault("guest", "threads").toLowerCase(Locale.ROOT)) {
                    case "threads" -> GuestKind.THREADS;
                    case "kvm" -> GuestKind.KVM;
                    default -> throw new IllegalArgumentException("--guest must be threads or kvm, got '"
                            + flags.get("guest") + "'");
                },
                size("guest-size", flags.getOrDefault("guest-size", "256m")),
                switch (flags.getOrDefault("pattern", "hot-cold").toLowerCase(Locale.ROOT)) {
                    case "hot-cold", "hotcold" -> Pattern.HOT_COLD;
                    case "sweep" -> Pattern.SWEEP;
                    default -> throw new IllegalArgumentException("--pattern must be hot-cold or sweep, got '"
                            + flags.get("pattern") + "'");
                },
                duration("duration", flags.getOrDefault("duration", "30s")),
                integer("threads", flags.getOrDefault("threads", "2")),
                decimal("hot-fraction", flags.getOrDefault("hot-fraction", "0.1")),
                duration("think-time", flags.getOrDefault("think-time", "100us")),
                Long.parseLong(flags.getOrDefault("seed", "12648430")),
                flags.containsKey("report") ? Path.of(flags.get("report")) : null,
                onOff("zap", flags.getOrDefault("zap", "on")),
                onOff("register", flags.getOrDefault("register", "on")),
                duration("attach-timeout", flags.getOrDefault("attach-timeout", "60s")),
                duration("max-backoff", flags.getOrDefault("max-backoff", "2s")),
                decimal("hot-access", flags.getOrDefault("hot-access", "0.9")),
                phaseOps(flags.getOrDefault("phase-ops", Long.toString(DEFAULT_PHASE_OPS))),
                flags.containsKey("baseline") ? duration("baseline", flags.get("baseline")) : Duration.ZERO);
    }

    private static long phaseOps(String v) {
        if (v.trim().equalsIgnoreCase("midway")) {
            return PHASE_MIDWAY;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--phase-ops '" + v + "' is not a number or 'midway'");
        }
    }

    private static String required(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " '" + v + "' is not an integer");
        }
    }

    private static double decimal(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " '" + v + "' is not a number");
        }
    }

    private static boolean onOff(String name, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("--" + name + " must be on or off, got '" + v + "'");
        };
    }

    /**
     * {@code 4096}, {@code 512k}, {@code 64m}, {@code 1g} (also {@code 1GiB}); {@code name} is the flag without its
     * dashes, for the error. Public: {@code coldtier demo} parses its sizes the same way.
     */
    public static long size(String name, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--" + name + " '" + v + "' is not a size (e.g. 64m, 1g)");
        }
    }

    /** {@code 250us}, {@code 500ms}, {@code 30s}, {@code 2m}, or ISO-8601 ({@code PT30S}). */
    static Duration duration(String name, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(v.trim().toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("us")) {
                return Duration.ofNanos(Long.parseLong(s.substring(0, s.length() - 2)) * 1000);
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--" + name + " '" + v + "' is not a duration (e.g. 100us, 500ms, 30s)");
        }
    }
}
