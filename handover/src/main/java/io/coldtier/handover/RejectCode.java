package io.coldtier.handover;

import java.util.Locale;

/**
 * Why the agent rejected a hand-over ({@code rejected.code} on the wire, lower case). {@link #retryable()} says
 * whether the same hand-over may succeed later unchanged (the VMM client retries those with backoff); every
 * other code names a fault in what the VMM sent.
 */
public enum RejectCode {
    /** SO_PEERCRED uid is not in the agent's allow-list. */
    UID_NOT_ALLOWED(false),
    /** The frame or its JSON is not a well-formed protocol message (syntax, unknown/missing field, bad type). */
    MALFORMED(false),
    /** The length prefix announces more than {@link Protocol#MAX_MESSAGE_BYTES}. */
    TOO_LARGE(false),
    /** {@code protocol} is not {@link Protocol#VERSION}. */
    UNSUPPORTED_VERSION(false),
    /** Nothing (or only part of a hello) arrived within {@link Protocol#HELLO_TIMEOUT}. */
    TIMEOUT(false),
    /** The first message was not a hello. */
    UNEXPECTED_MESSAGE(false),
    /** Descriptor count is not 1 + number of memfds (or the kernel truncated them: MSG_CTRUNC). */
    FD_COUNT(false),
    /** Descriptor 0 is not a userfaultfd. */
    NOT_USERFAULTFD(false),
    /** The userfaultfd has UFFDIO_API features enabled that break tracking (e.g. SIGBUS, WP_ASYNC), or none done. */
    UFFD_FEATURES(false),
    /** A memfd descriptor is not a memfd. */
    NOT_MEMFD(false),
    /** A region is malformed: zero size, misaligned, unsupported page size, bad memfd index, overflow. */
    BAD_REGION(false),
    /** Two regions overlap in the VMM's address space (or in the same memfd). */
    REGIONS_OVERLAP(false),
    /** A region reaches past the end of its memfd. */
    REGION_EXCEEDS_MEMFD(false),
    /** The VMM's /proc/pid/smaps does not map that memfd, shared and writable, at that address and offset. */
    MAPPING_MISMATCH(false),
    /** The same vm_id is attached from another connection (or is still being detached): retry. */
    VM_BUSY(true),
    /** The agent cannot take the VM now (Kafka or tier-store unreachable, shutting down): retry. */
    UNAVAILABLE(true),
    /** Attaching failed on this host (e.g. UFFDIO_REGISTER refused); the message says why. */
    ATTACH_FAILED(false);

    private final boolean retryable;

    RejectCode(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The wire spelling: {@code uid_not_allowed}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the wire spelling; null if unknown (a newer agent's code). */
    public static RejectCode fromWire(String s) {
        for (RejectCode c : values()) {
            if (c.wire().equals(s)) {
                return c;
            }
        }
        return null;
    }
}
