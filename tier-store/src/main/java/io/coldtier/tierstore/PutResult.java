package io.coldtier.tierstore;

/**
 * What a {@link PageStore#put} did. Writes are version-monotonic, so replays and duplicate deliveries of
 * the same PageOut are harmless: they come back as {@link #DUPLICATE} or {@link #STALE} and change nothing.
 */
public enum PutResult {
    /** The page was written (new key, or a higher version than the stored one). */
    APPLIED,
    /** The stored page already has this version; nothing was written (first write wins). */
    DUPLICATE,
    /** The stored page has a higher version; this older write was ignored. */
    STALE;

    /** True only for {@link #APPLIED}. */
    public boolean applied() {
        return this == APPLIED;
    }
}
