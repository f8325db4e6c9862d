package io.coldtier.demo;

import io.coldtier.vmm.VmmMain;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The extra VMs of {@code coldtier demo --vms N}: one {@code coldtier vmm} child process per {@link FleetGuest}
 * besides the demo's own, handing its memory to the same agent host. They hand over at once (no baseline) and run for
 * the demo's baseline plus its duration, so they stop about when the demo's own guest does. Owns the processes.
 */
final class FleetVms implements AutoCloseable {
    private final List<FleetGuest> guests;
    private final List<VmmProcess> processes = new ArrayList<>();

    private FleetVms(List<FleetGuest> guests) {
        this.guests = guests;
    }

    /** Starts one VMM per guest; {@code prefix} runs them at the guest's priority (see {@link Niceness}). */
    static FleetVms start(List<FleetGuest> extras, DemoConfig config, Path sock, List<String> prefix) {
        FleetVms vms = new FleetVms(extras);
        try {
            for (int i = 0; i < extras.size(); i++) {
                FleetGuest g = extras.get(i);
                vms.processes.add(VmmProcess.start(prefix, VmmMain.class, args(g, config, sock, i + 1),
                        config.output().resolve("vmm-" + g.vmId() + ".log")));
            }
        } catch (RuntimeException e) {
            vms.closeQuietly();
            throw e;
        }
        return vms;
    }

    private static List<String> args(FleetGuest g, DemoConfig config, Path sock, int seed) {
        return List.of("--vm-id", g.vmId(), "--guest", g.guest(), "--guest-size", Long.toString(g.guestSize()),
                "--threads", "1", "--pattern", g.pattern(), "--hot-fraction", Double.toString(g.hotFraction()),
                "--think-time", g.thinkTime().toNanos() / 1000 + "us", "--seed", Integer.toString(0x5EED + seed),
                "--agent-socket", sock.toString(), "--duration",
                config.duration().plus(config.baseline()).toMillis() + "ms", "--zap", "on", "--report",
                config.output().resolve("vmm-report-" + g.vmId() + ".json").toString());
    }

    /** Waits for every VMM to exit; the exit code per VM id (empty: still running at the deadline). */
    Map<String, Optional<Integer>> awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Optional<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < processes.size(); i++) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            out.put(guests.get(i).vmId(), processes.get(i).awaitExit(left));
        }
        return out;
    }

    /** Each VM's final report (ops/s, verification), once printed. */
    Map<String, JsonNode> reports() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (int i = 0; i < processes.size(); i++) {
            int k = i;
            processes.get(i).report().ifPresent(r -> out.put(guests.get(k).vmId(), r));
        }
        return out;
    }

    /** When each VMM stopped its guest (its final verification, which touches every page, follows). */
    List<java.time.Instant> stoppedAt() {
        return processes.stream().flatMap(p -> p.stoppingAt().stream()).toList();
    }

    /** Whether every VMM handed its memory over by now. */
    boolean allHandedOver() {
        return processes.stream().allMatch(VmmProcess::handedOver);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (VmmProcess p : processes) {
            p.close();
        }
    }
}
