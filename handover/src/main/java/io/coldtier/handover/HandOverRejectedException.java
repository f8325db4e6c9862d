package io.coldtier.handover;

/** The agent rejected a hand-over: its code (null if unknown to this client) and reason. */
public final class HandOverRejectedException extends RuntimeException {
    private final Message.Rejected rejected;

    public HandOverRejectedException(Message.Rejected rejected) {
        super("hand-over rejected (" + rejected.code() + "): " + rejected.message());
        this.rejected = rejected;
    }

    public Message.Rejected rejected() {
        return rejected;
    }

    /** Null for a code this client does not know. */
    public RejectCode code() {
        return rejected.rejectCode();
    }

    /** Whether trying again later with the same hand-over may succeed (unknown codes: no). */
    public boolean retryable() {
        RejectCode c = code();
        return c != null && c.retryable();
    }
}
