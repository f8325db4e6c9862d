package io.coldtier.vmm;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The outcome of one {@code coldtier vmm} run, printed as the last line of stdout (one JSON object) and optionally
 * written to {@code --report}.
 *
 * @param ok               zero data errors, full verification passed, every vCPU stopped
 * @param opsPerSecond     the guest's throughput
 * @param dataErrors       errors the guest saw while running
 * @param verifyFailures   pages failing the final full verification (-1: it did not finish)
 * @param attachments      hand-overs the agent accepted (more than 1 after an agent restart)
 * @param agentDisconnects times the connection to the agent was lost while the guest ran
 * @param recoveredPages   evicted pages the last accepting agent recovered from the tier
 * @param zapsServed       zap requests served for the agent
 */
public record VmmReport(boolean ok, String vmId, String guest, long guestBytes, int threads, double durationSeconds,
                        long ops, long reads, long writes, double opsPerSecond, long dataErrors, long verifyFailures,
                        long attachments, long agentDisconnects, long recoveredPages, long zapsServed,
                        List<String> stuckThreads, List<String> firstErrors, String failure) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("ok", ok);
        o.put("vm_id", vmId);
        o.put("guest", guest);
        o.put("guest_bytes", guestBytes);
        o.put("threads", threads);
        o.put("duration_s", Math.round(durationSeconds * 1000) / 1000.0);
        o.put("ops", ops);
        o.put("reads", reads);
        o.put("writes", writes);
        o.put("ops_per_s", Math.round(opsPerSecond * 10) / 10.0);
        o.put("data_errors", dataErrors);
        o.put("verify_failures", verifyFailures);
        o.put("attachments", attachments);
        o.put("agent_disconnects", agentDisconnects);
        o.put("recovered_pages", recoveredPages);
        o.put("zaps_served", zapsServed);
        stuckThreads.forEach(o.putArray("stuck_threads")::add);
        firstErrors.forEach(o.putArray("first_errors")::add);
        if (failure != null) {
            o.put("failure", failure);
        }
        return JSON.writeValueAsString(o);
    }

    /** Parses {@link #toJson()} output (for tests and scripts that read the report back). */
    public static tools.jackson.databind.JsonNode parse(String json) {
        return JSON.readTree(json);
    }
}
