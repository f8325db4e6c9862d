package io.coldtier.linux;

import io.coldtier.linux.struct.UffdMsg;

import java.lang.foreign.MemorySegment;

/**
 * One decoded {@code struct uffd_msg}. The set is closed: the kernel defines exactly these five
 * events (UFFD_EVENT_PAGEFAULT 0x12 … UNMAP 0x16); anything else is a decoding error.
 */
public sealed interface UffdEvent {
    int EVENT_PAGEFAULT = 0x12, EVENT_FORK = 0x13, EVENT_REMAP = 0x14, EVENT_REMOVE = 0x15, EVENT_UNMAP = 0x16;

    /** Decodes the message at the start of {@code msg} (32 bytes). */
    static UffdEvent decode(MemorySegment msg) {
        int event = UffdMsg.event(msg) & 0xff;
        return switch (event) {
            case EVENT_PAGEFAULT -> new Pagefault(UffdMsg.pagefaultAddress(msg), UffdMsg.pagefaultFlags(msg),
                    UffdMsg.pagefaultPtid(msg));
            case EVENT_FORK -> new Fork(UffdMsg.forkUfd(msg));
            case EVENT_REMAP -> new Remap(UffdMsg.remapFrom(msg), UffdMsg.remapTo(msg), UffdMsg.remapLen(msg));
            case EVENT_REMOVE -> new Remove(UffdMsg.removeStart(msg), UffdMsg.removeEnd(msg));
            case EVENT_UNMAP -> new Unmap(UffdMsg.removeStart(msg), UffdMsg.removeEnd(msg));
            default -> throw new IllegalStateException("unknown uffd_msg event 0x" + Integer.toHexString(event));
        };
    }

    /**
     * A thread faulted at {@code address} (page-aligned unless UFFD_FEATURE_EXACT_ADDRESS) and is
     * blocked until the fault is resolved or woken. {@code threadId} is set only with
     * UFFD_FEATURE_THREAD_ID, else 0.
     */
    record Pagefault(long address, long flags, int threadId) implements UffdEvent {
        public static final long FLAG_WRITE = 1L, FLAG_WP = 1L << 1, FLAG_MINOR = 1L << 2, FLAG_RWP = 1L << 3;

        /** The access was a write (else a read). */
        public boolean write() {
            return (flags & FLAG_WRITE) != 0;
        }

        /** A write hit a uffd-wp protected page or marker. */
        public boolean wp() {
            return (flags & FLAG_WP) != 0;
        }

        /** The page is in the page cache but not mapped here (MODE_MINOR). */
        public boolean minor() {
            return (flags & FLAG_MINOR) != 0;
        }

        /** An access to an RWP-protected page (sync RWP mode). */
        public boolean rwp() {
            return (flags & FLAG_RWP) != 0;
        }

        /** No WP/MINOR/RWP bit: the page is absent (a hole), MODE_MISSING. */
        public boolean missing() {
            return (flags & (FLAG_WP | FLAG_MINOR | FLAG_RWP)) == 0;
        }

        /** The fault address rounded down to {@code pageSize} (a power of two). */
        public long page(long pageSize) {
            return address & -pageSize;
        }

        @Override
        public String toString() {
            return "Pagefault[0x" + Long.toHexString(address) + (write() ? " WRITE" : " READ")
                    + (wp() ? "|WP" : "") + (minor() ? "|MINOR" : "") + (rwp() ? "|RWP" : "")
                    + (threadId != 0 ? " tid " + threadId : "") + "]";
        }
    }

    /** The registered process forked; {@code uffd} is a new descriptor for the child's memory. */
    record Fork(int uffd) implements UffdEvent {}

    /** mremap moved {@code [from, from+len)} to {@code to}. */
    record Remap(long from, long to, long len) implements UffdEvent {}

    /** madvise(DONTNEED/REMOVE) dropped {@code [start, end)}. */
    record Remove(long start, long end) implements UffdEvent {}

    /** munmap removed {@code [start, end)}. */
    record Unmap(long start, long end) implements UffdEvent {}
}
