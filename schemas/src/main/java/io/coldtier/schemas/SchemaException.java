package io.coldtier.schemas;

/** A record that cannot be encoded or decoded; the message is the specific reason (see {@link Codec}). */
public final class SchemaException extends RuntimeException {
    public SchemaException(String reason) {
        super(reason);
    }

    public SchemaException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
