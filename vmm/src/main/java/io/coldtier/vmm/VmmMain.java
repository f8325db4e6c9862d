package io.coldtier.vmm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of the reference VMM as its own JVM ({@code coldtier vmm} runs the same {@link ReferenceVmm}):
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... io.coldtier.vmm.VmmMain --agent-socket PATH --vm-id ID
 * [--guest threads|kvm] [--guest-size 256m] [--pattern hot-cold|sweep] [--duration 30s] [--threads 2] [--baseline 8s]
 * [--hot-access 0.9] [--phase-ops N|midway] ...}
 * (flags: {@link VmmConfig#fromFlags}). Exit codes: 0 ok, 1 data errors or stuck guest, 2 no agent / bad flags.
 */
public final class VmmMain {
    private VmmMain() {}

    public static void main(String[] args) throws InterruptedException {
        VmmConfig config;
        try {
            config = VmmConfig.fromFlags(parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("coldtier vmm: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(config, System.out));
    }

    /**
     * The whole VMM run, as {@code coldtier vmm} and this class's {@code main} both do it: the optional untracked
     * baseline first, then {@link ReferenceVmm}. Returns the exit code.
     */
    public static int run(VmmConfig config, java.io.PrintStream out) throws InterruptedException {
        if (config.baseline().isPositive()) {
            // Before the real memory exists: the untracked yardstick (BaselineRun), then the midway phase from it.
            BaselineRun.Result baseline = BaselineRun.measure(config, out, BaselineRun.BEFORE);
            if (config.phaseOps() == VmmConfig.PHASE_MIDWAY) {
                config = config.withPhaseOps(BaselineRun.midwayPhaseOps(baseline, config));
                out.println("vmm " + config.vmId() + ": phase change after " + config.phaseOps()
                        + " ops per vCPU (40 % of the run at the baseline rate)");
            }
        }
        return new ReferenceVmm(config, out).run();
    }

    /** {@code --name value} pairs; {@code --name=value} also works. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                flags.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                flags.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("flag " + a + " needs a value");
            }
        }
        return flags;
    }
}
