package io.coldtier.faultsource.tier;

/** Identifies one guest page in a tier: region index within its VM and page index in the region. */
public record PageKey(int region, long page) {
    public PageKey {
        if (region < 0 || page < 0) {
            throw new IllegalArgumentException("negative page key " + region + "/" + page);
        }
    }
}
