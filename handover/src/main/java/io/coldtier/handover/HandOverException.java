package io.coldtier.handover;

/**
 * A hand-over that cannot be accepted, or a protocol violation: the {@link RejectCode} goes on the wire together
 * with the message, which must say precisely what was wrong (field, value, limit).
 */
public final class HandOverException extends RuntimeException {
    private final RejectCode code;

    public HandOverException(RejectCode code, String message) {
        super(message);
        this.code = code;
    }

    public HandOverException(RejectCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public RejectCode code() {
        return code;
    }

    /** The rejection message for this failure. */
    public Message.Rejected toRejected() {
        return new Message.Rejected(code.wire(), getMessage());
    }

    @Override
    public String toString() {
        return code.wire() + ": " + getMessage();
    }
}
