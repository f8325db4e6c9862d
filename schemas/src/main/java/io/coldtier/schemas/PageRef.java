package io.coldtier.schemas;

/**
 * One page of one VM's guest memory: the identity behind a {@code coldtier.pages} key.
 *
 * @param vmId   the VM id; non-empty and without {@code '/'}, which separates the key's parts
 * @param region the region index, {@code >= 0}
 * @param page   the page index within the region, {@code >= 0}
 */
public record PageRef(String vmId, int region, long page) {
    public PageRef {
        if (vmId == null || vmId.isEmpty()) {
            throw new IllegalArgumentException("vmId must not be empty");
        }
        if (vmId.indexOf('/') >= 0) {
            throw new IllegalArgumentException("vmId must not contain '/': " + vmId);
        }
        if (region < 0) {
            throw new IllegalArgumentException("region must be >= 0: " + region);
        }
        if (page < 0) {
            throw new IllegalArgumentException("page must be >= 0: " + page);
        }
    }

    /** The compaction key of this page on {@code coldtier.pages}, e.g. {@code vm-1/0/1234}. */
    public String key() {
        return vmId + '/' + region + '/' + page;
    }
}
