package io.coldtier.evictor;

import org.roaringbitmap.RoaringBitmap;

import java.util.Arrays;
import java.util.Objects;

/**
 * An instruction to the agent: evict these pages of this region. Idempotent by construction: its
 * {@link #commandId} is {@code vmId/region/cycle}, so a command re-emitted after a restart (the
 * evictor rebuilds its state by replaying the same events) carries the same id and the same pages,
 * and the agent can recognise and skip it.
 *
 * @param pages        pages to evict; the evictor believed every one resident when it decided
 * @param ageHistogram evidence for analytics: the victims per age (index = age in scans since last
 *                     access), length {@link PageAges#MAX_AGE} + 1
 */
public record Command(String vmId, int region, long cycle, String commandId, String policy,
                      RoaringBitmap pages, int[] ageHistogram) {
    public Command {
        ScanInput.requireVmId(vmId);
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(pages, "pages");
        ageHistogram = ageHistogram.clone();
    }

    /** The deterministic id of the command for one scan: {@code vmId/region/cycle}. */
    public static String idOf(String vmId, int region, long cycle) {
        // vmId may itself contain '/', but region and cycle are the last two numeric segments.
        return vmId + "/" + region + "/" + cycle;
    }

    @Override
    public int[] ageHistogram() {
        return ageHistogram.clone();
    }

    // Records compare arrays by identity; commands are compared by content (restart/replay tests).
    @Override
    public boolean equals(Object o) {
        return o instanceof Command c && region == c.region && cycle == c.cycle && vmId.equals(c.vmId)
                && commandId.equals(c.commandId) && policy.equals(c.policy) && pages.equals(c.pages)
                && Arrays.equals(ageHistogram, c.ageHistogram);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vmId, region, cycle, commandId, policy, pages, Arrays.hashCode(ageHistogram));
    }

    @Override
    public String toString() {
        return "Command[" + commandId + ", policy=" + policy + ", pages=" + pages.getLongCardinality() + "]";
    }
}
