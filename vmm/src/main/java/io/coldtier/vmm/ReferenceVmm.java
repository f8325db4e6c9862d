package io.coldtier.vmm;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

/**
 * {@code coldtier vmm}: a VMM in miniature. It owns guest memory (a memfd mapped shared, with its userfaultfd),
 * hands it to the agent ({@link AgentLink}, re-handing it after an agent restart), runs a guest on it for the
 * configured duration while printing a progress line a second, then stops the guest, verifies every page, says
 * goodbye to the agent and reports. The report is the last line of stdout (JSON, see {@link VmmReport}).
 */
public final class ReferenceVmm {
    private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(120);

    private final VmmConfig config;
    private final PrintStream out;

    public ReferenceVmm(VmmConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /** Runs the VM to the end. Exit code: 0 = ok, 1 = data errors or a guest that did not stop, 2 = no agent. */
    public int run() throws InterruptedException {
        VmmReport report = null;
        VmmMemory memory = VmmMemory.create(config.guestSize(), config.registerSelf());
        try {
            report = runOn(memory);
        } finally {
            // A vCPU (or the verifier) still inside the guest memory is blocked in a fault: unmapping the memory
            // under it would turn its wake-up into a SIGSEGV that takes the whole JVM down, report and all. The
            // process is about to exit anyway, so such memory is left mapped and the report names the threads.
            if (report != null && report.stuckThreads().isEmpty()) {
                memory.close();
            } else {
                log("guest memory left mapped until exit: "
                        + (report == null ? "the run failed with the guest possibly running"
                        : "threads still inside it: " + report.stuckThreads()));
            }
        }
        out.println(report.toJson());
        out.flush();
        if (config.report() != null) {
            try {
                Files.writeString(config.report(), report.toJson() + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the report to " + config.report(), e);
            }
        }
        return report.ok() ? 0 : report.failure() != null && report.ops() == 0 ? 2 : 1;
    }

    private VmmReport runOn(VmmMemory memory) throws InterruptedException {
        if (config.guest() == VmmConfig.GuestKind.KVM) {
            try {
                KvmGuestHook.check(); // before anything is handed over
            } catch (UnsupportedOperationException e) {
                return new VmmReport(false, config.vmId(), "kvm", memory.size(), config.threads(), 0, 0, 0, 0, 0, 0,
                        -1, 0, 0, 0, 0, List.of(), List.of(), e.getMessage());
            }
        }
        log("guest memory: " + (memory.size() >> 20) + " MiB memfd at 0x" + Long.toHexString(memory.address())
                + ", uffd " + (memory.registered() ? "registered MISSING|WP here" : "registered by the agent"));
        try (AgentLink link = AgentLink.start(config, memory, this::log)) {
            if (!link.awaitFirstAttach(config.attachTimeout())) {
                return failed(link, "no agent accepted the hand-over within " + config.attachTimeout());
            }
            Guest guest = startGuest(memory);
            try (guest) {
                long t0 = System.nanoTime();
                long end = t0 + config.duration().toNanos();
                long lastOps = 0;
                while (System.nanoTime() < end) {
                    Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    Guest.Progress p = guest.progress();
                    log(String.format("t=%.1fs ops=%d (+%d) errors=%d agent=%s attachments=%d", (System.nanoTime() - t0)
                            / 1e9, p.ops(), p.ops() - lastOps, p.errors(), link.attached() ? "attached" : "LOST",
                            link.attachments()));
                    lastOps = p.ops();
                }
                log("stopping the guest and verifying every page");
                Guest.Result r = guest.finish(FINISH_TIMEOUT);
                link.goodbyeExiting(Duration.ofSeconds(10));
                boolean ok = r.errors() == 0 && r.verifyFailures() == 0 && r.stuckThreads().isEmpty();
                return new VmmReport(ok, config.vmId(), config.guest().name().toLowerCase(), memory.size(),
                        config.threads(), r.runSeconds(), r.ops(), r.reads(), r.writes(), r.opsPerSecond(), r.errors(),
                        r.verifyFailures(), link.attachments(), link.disconnects(), link.recoveredOnLastAttach(),
                        link.zapsServed(), r.stuckThreads(), r.firstErrors(), null);
            }
        } catch (UnsupportedOperationException | io.coldtier.handover.HandOverRejectedException e) {
            return new VmmReport(false, config.vmId(), config.guest().name().toLowerCase(), memory.size(),
                    config.threads(), 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, List.of(), List.of(), e.getMessage());
        }
    }

    private Guest startGuest(VmmMemory memory) {
        return switch (config.guest()) {
            case THREADS -> ThreadsGuest.start(memory, config);
            case KVM -> KvmGuestHook.start(memory, config);
        };
    }

    private VmmReport failed(AgentLink link, String why) {
        log("FAILED: " + why);
        return new VmmReport(false, config.vmId(), config.guest().name().toLowerCase(), config.guestSize(),
                config.threads(), 0, 0, 0, 0, 0, 0, -1, link.attachments(), link.disconnects(), 0, 0, List.of(),
                List.of(), why);
    }

    private void log(String line) {
        synchronized (out) {
            out.println("vmm " + config.vmId() + ": " + line);
            out.flush();
        }
    }
}
