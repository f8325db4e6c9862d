package io.coldtier.faultsource.tier;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where evicted pages live. The contract the eviction protocol relies on: a page is punched out
 * of guest memory only after the future returned by {@link #store} completed normally, so that
 * completion must mean "a copy now exists that survives everything this tier claims to survive"
 * (see each implementation's durability statement).
 */
public interface PageTier extends AutoCloseable {
    /** Stores a batch; completes when every page of it is durable in this tier. */
    CompletableFuture<Void> store(List<PageImage> pages);

    /**
     * Fetches the newest stored image of {@code key}: raw contents go into {@code into} (at least
     * a page long) unless it is a zero page. Returns null when the tier has no copy.
     */
    FetchedPage fetch(PageKey key, MemorySegment into);

    /** Forgets {@code key} if its stored version is {@code version} (an older or newer one stays). */
    void drop(PageKey key, long version);

    /** A short description for reports: "local lz4 (in-process memory)". */
    String describe();

    @Override
    void close();
}
