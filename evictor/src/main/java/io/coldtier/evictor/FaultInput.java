package io.coldtier.evictor;

import java.util.Objects;

/**
 * One fault event for one page, as the evictor sees it (mapped from the Avro {@code FaultEvent}).
 *
 * @param vmId     the VM
 * @param region   region index within the VM
 * @param cycle    the agent's cycle number for the region when the fault happened
 * @param atMicros event time of the fault (agent clock, epoch microseconds)
 * @param kind     what happened to the page
 * @param page     page index within the region
 */
public record FaultInput(String vmId, int region, long cycle, long atMicros, FaultKind kind, long page) {
    public FaultInput {
        ScanInput.requireVmId(vmId);
        if (region < 0) {
            throw new IllegalArgumentException("region must be >= 0, got " + region);
        }
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        Objects.requireNonNull(kind, "kind");
        if (page < 0 || page >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page must be in 0.." + (Integer.MAX_VALUE - 1) + ", got " + page);
        }
    }
}
