package io.coldtier.tierstore;

/**
 * Every failure of the tier store or its RPC. The message always starts with the store it concerns:
 * {@code "store /var/lib/coldtier/pages: ..."} for a {@link PageStore}, {@code "tier-store 10.0.0.5:7070: ..."}
 * for a {@link PageRpcClient}, so a log line alone says which store failed.
 */
public class TierStoreException extends RuntimeException {
    public TierStoreException(String message) {
        super(message);
    }

    public TierStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
