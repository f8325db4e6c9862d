package io.coldtier.handover;

import java.time.Duration;

/** Constants of the hand-over protocol. The byte-exact specification is the module README; keep both in step. */
public final class Protocol {
    /** The one protocol version this implementation speaks ({@code "protocol"} field of a hello). */
    public static final int VERSION = 1;
    /** Length prefix of every frame: unsigned 32-bit, big-endian. */
    public static final int LENGTH_BYTES = 4;
    /** Largest JSON body either side accepts; a longer frame is rejected unread. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    /** Most regions one hello may describe. */
    public static final int MAX_REGIONS = 64;
    /** Most memfds one hello may carry (plus the uffd, so at most this + 1 descriptors). */
    public static final int MAX_MEMFDS = 32;
    /** Longest vm_id, in UTF-8 bytes. */
    public static final int MAX_VM_ID_BYTES = 128;
    /** The agent waits this long after accept() for the whole hello. */
    public static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

    public static final long PAGE_4K = 4096;
    public static final long PAGE_2M = 2L << 20;

    /** Capability a VMM announces when it serves {@code zap} requests (MADV_DONTNEED in its own address space). */
    public static final String CAP_ZAP = "zap";

    /** {@code goodbye.reason}: the VMM keeps running and wants its memory back, unmanaged. */
    public static final String GOODBYE_DETACH = "detach";
    /** {@code goodbye.reason}: the VMM is about to exit; nothing needs restoring. */
    public static final String GOODBYE_EXITING = "exiting";

    private Protocol() {}
}
