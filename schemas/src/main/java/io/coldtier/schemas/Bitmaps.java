package io.coldtier.schemas;

import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Page sets on the wire: {@code ScanResult.accessed} and {@code EvictCommand.pages} hold a {@link RoaringBitmap} in
 * its portable serialization (the format every Roaring implementation, Java, C, Go, Rust, reads), so a cycle's page
 * set is one compressed field and never one record per page.
 *
 * <p>Bits are page indexes within a region, from 0. Roaring holds 32-bit values, so a region may have at most
 * 2<sup>32</sup> pages (16 TiB at 4 KiB); callers with {@code long} page indexes must check that bound.
 */
public final class Bitmaps {
    private Bitmaps() {
    }

    /**
     * Serializes a page set. The argument is not modified: run-length optimization (which shrinks contiguous page
     * ranges, the common case for cold memory, by orders of magnitude) is applied to a copy.
     *
     * @return a heap buffer positioned at 0 whose remaining bytes are exactly the portable serialization
     */
    public static ByteBuffer toBytes(RoaringBitmap pages) {
        RoaringBitmap copy = pages.clone();
        copy.runOptimize();
        ByteBuffer out = ByteBuffer.allocate(copy.serializedSizeInBytes());
        copy.serialize(out);
        return out.flip();
    }

    /**
     * Deserializes a page set from the remaining bytes of {@code bytes}, without moving its position (Avro hands the
     * same buffer to every reader of the field).
     *
     * @throws IllegalArgumentException if the bytes are not exactly one portable Roaring bitmap
     */
    public static RoaringBitmap fromBytes(ByteBuffer bytes) {
        ByteBuffer in = bytes.duplicate();
        int length = in.remaining();
        RoaringBitmap pages = new RoaringBitmap();
        try {
            pages.deserialize(in);
        } catch (IOException | RuntimeException e) {
            // RoaringBitmap reports truncated or corrupt input with assorted runtime exceptions
            // (InvalidRoaringFormat, BufferUnderflowException, IndexOutOfBoundsException): unify them.
            throw new IllegalArgumentException("not a portable RoaringBitmap (" + length + " bytes): " + e, e);
        }
        int used = pages.serializedSizeInBytes();
        if (used != length) {
            // Trailing bytes mean the field was built some other way; refuse rather than guess which part counts.
            throw new IllegalArgumentException(
                    "not a portable RoaringBitmap: " + (length - used) + " trailing bytes after a " + used + "-byte bitmap");
        }
        return pages;
    }
}
