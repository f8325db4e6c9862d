package io.coldtier.tierstore.internal;

/** A frame that does not follow the protocol; the message is the reason sent back with BAD_REQUEST. */
public final class MalformedFrameException extends RuntimeException {
    public MalformedFrameException(String reason) {
        super(reason);
    }
}
