package io.coldtier.cli;

import io.coldtier.vmm.VmmConfig;
import io.coldtier.vmm.VmmMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code coldtier vmm}: the reference VMM, a process of its own that hands its guest memory to the agent. */
@Command(name = "vmm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a VM in miniature: create guest memory (a memfd mapped shared, with a userfaultfd), hand it over to"
                    + " the agent's socket (`coldtier agent --listen`), and run a self-verifying guest on it for"
                    + " --duration. If the agent goes away the VMM keeps its memory, re-sends the hand-over with"
                    + " backoff until an agent accepts it again; the guest stalls on evicted pages meanwhile, and"
                    + " loses nothing.",
            "",
            "Prints a progress line a second, and at the end the report as one JSON line (ops, ops_per_s,"
                    + " data_errors, verify_failures, attachments, ...), also written to --report.",
        },
        footer = {
            "%nExit codes: 0 ok (zero data errors), 1 data errors or a stuck guest, 2 no agent accepted the"
                    + " hand-over / bad flags.",
            "Example: coldtier vmm --agent-socket /run/coldtier/agent.sock --vm-id vm-1 --guest threads"
                    + " --guest-size 256m --duration 60s --threads 2",
        })
public final class VmmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--agent-socket", required = true, paramLabel = "PATH", description = "The agent's hand-over socket.")
    String agentSocket;

    @Option(names = "--vm-id", required = true, paramLabel = "ID", description = "VM id to hand over (no '/').")
    String vmId;

    @Option(names = "--guest", paramLabel = "threads|kvm", description = "What runs in the guest memory (default threads).")
    String guest;

    @Option(names = "--guest-size", paramLabel = "SIZE", description = "Guest memory, multiple of 2 MiB (default 256m).")
    String guestSize;

    @Option(names = "--pattern", paramLabel = "hot-cold|sweep", description = "Access pattern (default hot-cold).")
    String pattern;

    @Option(names = "--duration", paramLabel = "DURATION", description = "How long the guest runs (default 30s).")
    String duration;

    @Option(names = "--threads", paramLabel = "N", description = "Guest vCPUs (default 2).")
    String threads;

    @Option(names = "--hot-fraction", paramLabel = "F", description = "Fraction of pages that are hot (default 0.1).")
    String hotFraction;

    @Option(names = "--hot-access", paramLabel = "F",
            description = "KVM guest: share of operations on the hot set, in steps of 1/1024 (default 0.9).")
    String hotAccess;

    @Option(names = "--phase-ops", paramLabel = "N|midway",
            description = "KVM guest: operations per vCPU before the hot set moves; midway needs --baseline.")
    String phaseOps;

    @Option(names = "--baseline", paramLabel = "DURATION",
            description = "First run the same guest untracked this long and print its ops/s (default: none).")
    String baseline;

    @Option(names = "--think-time", paramLabel = "DURATION", description = "Pause between a vCPU's operations (default 100us).")
    String thinkTime;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the guest's random streams.")
    String seed;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    String report;

    @Option(names = "--zap", paramLabel = "on|off",
            description = "Announce the zap capability: the agent arms by asking this VMM to MADV_DONTNEED (default on).")
    String zap;

    @Option(names = "--register", paramLabel = "on|off",
            description = "UFFDIO_REGISTER the memory here before the hand-over (default on; off: the agent does).")
    String register;

    @Option(names = "--attach-timeout", paramLabel = "DURATION", description = "Longest wait for the first hand-over (default 60s).")
    String attachTimeout;

    @Option(names = "--max-backoff", paramLabel = "DURATION", description = "Longest pause between reconnections (default 2s).")
    String maxBackoff;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "agent-socket", agentSocket);
        put(flags, "vm-id", vmId);
        put(flags, "guest", guest);
        put(flags, "guest-size", guestSize);
        put(flags, "pattern", pattern);
        put(flags, "duration", duration);
        put(flags, "threads", threads);
        put(flags, "hot-fraction", hotFraction);
        put(flags, "hot-access", hotAccess);
        put(flags, "phase-ops", phaseOps);
        put(flags, "baseline", baseline);
        put(flags, "think-time", thinkTime);
        put(flags, "seed", seed);
        put(flags, "report", report);
        put(flags, "zap", zap);
        put(flags, "register", register);
        put(flags, "attach-timeout", attachTimeout);
        put(flags, "max-backoff", maxBackoff);
        VmmConfig config;
        try {
            config = VmmConfig.fromFlags(flags);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return VmmMain.run(config, System.out);
    }

    private static void put(Map<String, String> flags, String name, String value) {
        if (value != null) {
            flags.put(name, value);
        }
    }
}
