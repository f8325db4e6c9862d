package io.coldtier.linux;

/**
 * Result of a page-filling ioctl (UFFDIO_COPY, ZEROPAGE, CONTINUE, POISON, MOVE). The errnos a
 * fault handler must expect are results, not exceptions: EEXIST means somebody else filled the
 * page already (count it as done, then UFFDIO_WAKE if needed); EAGAIN means the mm is changing
 * (a pending REMOVE/fork/mremap event) and the call must be retried after reading events.
 */
public sealed interface CopyOutcome {
    /** {@code bytes} were filled, the whole request. */
    record Copied(long bytes) implements CopyOutcome {}

    /** EEXIST: the page was already present. */
    record AlreadyPresent() implements CopyOutcome {}

    /** EAGAIN after {@code partialBytes} (≥ 0) were filled; retry the rest later. */
    record RetryLater(long partialBytes) implements CopyOutcome {}

    CopyOutcome ALREADY_PRESENT = new AlreadyPresent();

    /** True unless the caller has to retry. */
    default boolean done() {
        return !(this instanceof RetryLater);
    }
}
