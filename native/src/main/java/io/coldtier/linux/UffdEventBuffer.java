package io.coldtier.linux;

import io.coldtier.linux.struct.UffdMsg;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reusable buffer for a batch of {@code uffd_msg} records, owned by the one thread that reads
 * a userfaultfd. The hot path reads fields in place ({@link #event}, {@link #address},
 * {@link #flags}) without allocating; {@link #decode} builds the {@link UffdEvent} records for
 * everything else.
 */
public final class UffdEventBuffer implements AutoCloseable {
    public static final int MSG_SIZE = (int) UffdMsg.SIZE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final int capacity;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private int filled;

    public UffdEventBuffer(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.segment = arena.allocate((long) capacity * MSG_SIZE, 8);
    }

    public int capacity() {
        return capacity;
    }

    /** Messages held by the last read. */
    public int size() {
        return filled;
    }

    MemorySegment segment() {
        return segment;
    }

    void filled(int count) {
        this.filled = count;
    }

    private MemorySegment msg(int i) {
        if (i < 0 || i >= filled) {
            throw new IndexOutOfBoundsException(i + " of " + filled);
        }
        return UffdMsg.at(segment, i);
    }

    /** The event code (UffdEvent.EVENT_*) of message {@code i}. */
    public int event(int i) {
        return UffdMsg.event(msg(i)) & 0xff;
    }

    /** Fault address of pagefault message {@code i}. */
    public long address(int i) {
        return UffdMsg.pagefaultAddress(msg(i));
    }

    /** Fault flags of pagefault message {@code i}. */
    public long flags(int i) {
        return UffdMsg.pagefaultFlags(msg(i));
    }

    public UffdEvent decode(int i) {
        return UffdEvent.decode(msg(i));
    }

    /** All messages of the last read, decoded. */
    public List<UffdEvent> decodeAll() {
        List<UffdEvent> out = new ArrayList<>(filled);
        for (int i = 0; i < filled; i++) {
            out.add(decode(i));
        }
        return out;
    }

    /** Test and replay support: copies raw 32-byte records in as if the kernel had written them. */
    public void load(byte[] raw) {
        if (raw.length % MSG_SIZE != 0 || raw.length / MSG_SIZE > capacity) {
            throw new IllegalArgumentException("raw messages must be whole 32-byte records within capacity");
        }
        MemorySegment.copy(MemorySegment.ofArray(raw), 0, segment, 0, raw.length);
        filled = raw.length / MSG_SIZE;
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            arena.close();
        }
    }
}
