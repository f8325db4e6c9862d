package io.coldtier.tierstore.internal;

/** One decoded RPC request. */
public sealed interface Request {
    int requestId();

    /** GET: one page. */
    record Get(int requestId, String vmId, int region, long page) implements Request {
    }

    /** BATCH_GET: up to {@link Protocol#MAX_BATCH} pages of one VM region. */
    record BatchGet(int requestId, String vmId, int region, long[] pages) implements Request {
    }

    /** PING: an empty OK answer. */
    record Ping(int requestId) implements Request {
    }
}
