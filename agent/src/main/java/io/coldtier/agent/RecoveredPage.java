package io.coldtier.agent;

import java.util.Objects;

/**
 * A durable page copy found on {@code coldtier.pages} when an agent attaches to memory a previous agent evicted
 * from (an agent restart): the newest PageOut of the page, as it was produced.
 *
 * @param version    PageOut.version
 * @param checksum   CRC32C of the raw page
 * @param zero       an all-zero page (no contents)
 * @param rawLength  the page size
 * @param lz4        the LZ4-compressed contents (empty for a zero page)
 * @param cycle      PageOut.cycle: the tier-store's PageStored for this copy carries it, which is how the agent tells
 *                   that ack from a previous incarnation's ack of the same page (see KafkaPageTier)
 */
public record RecoveredPage(long version, int checksum, boolean zero, int rawLength, byte[] lz4, long cycle) {
    public RecoveredPage {
        Objects.requireNonNull(lz4, "lz4");
        if (version <= 0 || rawLength <= 0) {
            throw new IllegalArgumentException("version and rawLength must be > 0: " + version + ", " + rawLength);
        }
    }
}
