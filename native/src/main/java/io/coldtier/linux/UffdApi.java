package io.coldtier.linux;

/**
 * What UFFDIO_API reported for a userfaultfd: the feature bits the kernel offers (or, after a
 * real negotiation, the ones now enabled) and the API-level ioctls.
 */
public record UffdApi(long features, long ioctls) {
    public boolean has(long feature) {
        return (features & feature) == feature;
    }

    /** True when the RWP series' feature bits are present (detect by bits, never by version). */
    public boolean hasRwp() {
        return has(UffdFeature.RWP);
    }
}
