package io.coldtier.linux;

/**
 * The kernel does not offer a feature an operation needs. Thrown before the operation reaches the
 * kernel (or instead of the raw EINVAL it would answer), and names the missing bits and what to
 * use instead, e.g. {@code UFFDIO_RWPROTECT needs UFFD_FEATURE_RWP (bit 17), which this kernel
 * does not offer (UFFDIO_API features=0x1ffff); use the zap backend}.
 */
public final class MissingKernelFeatureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long missingFeatures;

    public MissingKernelFeatureException(String operation, long missingFeatures, long availableFeatures,
                                         String instead) {
        super(operation + " needs " + UffdFeature.describe(missingFeatures)
                + ", which this kernel does not offer (UFFDIO_API features=0x"
                + Long.toHexString(availableFeatures) + ")" + (instead == null ? "" : "; " + instead));
        this.missingFeatures = missingFeatures;
    }

    /** The UFFD_FEATURE_* bits that were needed and are absent. */
    public long missingFeatures() {
        return missingFeatures;
    }
}
