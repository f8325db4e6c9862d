package io.coldtier.schemas;

/**
 * Keys of {@code coldtier.pages}: {@code vmId/region/page}, e.g. {@code vm-1/0/1234}.
 *
 * <p>The topic is compacted, so the key is the page's identity: every version of one page must produce the same key
 * and no two pages may share one. That is why {@link #parse} accepts only the canonical form {@link #key} produces
 * (no sign, no leading zeros): {@code vm-1/0/01234} would otherwise be a second, never-compacted copy of page 1234.
 * The key does not decide the partition; see {@link Partitioning}.
 */
public final class PageKeys {
    private PageKeys() {
    }

    /**
     * @throws IllegalArgumentException if vmId is empty or contains {@code '/'}, or region or page is negative
     */
    public static String key(String vmId, int region, long page) {
        return new PageRef(vmId, region, page).key();
    }

    /**
     * @throws IllegalArgumentException naming the key, if it is not exactly what {@link #key} would produce
     */
    public static PageRef parse(String key) {
        if (key == null) {
            throw new IllegalArgumentException("bad page key null: expected vmId/region/page");
        }
        int second = key.lastIndexOf('/');
        int first = second <= 0 ? -1 : key.lastIndexOf('/', second - 1);
        if (first <= 0) {
            throw new IllegalArgumentException("bad page key '" + key + "': expected vmId/region/page");
        }
        PageRef ref;
        try {
            ref = new PageRef(key.substring(0, first),
                    Integer.parseInt(key, first + 1, second, 10),
                    Long.parseLong(key, second + 1, key.length(), 10));
        } catch (IllegalArgumentException e) { // NumberFormatException is one too
            throw new IllegalArgumentException("bad page key '" + key + "': " + e.getMessage(), e);
        }
        if (!ref.key().equals(key)) {
            throw new IllegalArgumentException(
                    "bad page key '" + key + "': not canonical (expected '" + ref.key() + "')");
        }
        return ref;
    }
}
