package io.coldtier.tierstore.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte buffer for building one frame, reused across frames by one connection so a
 * response costs no allocation beyond growth. {@link #startFrame()} reserves the 4-byte length,
 * {@link #writeFrameTo} fills it and sends the whole frame with one write.
 */
public final class WireBuffer {
    private byte[] buf;
    private int pos;

    public WireBuffer(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    /** Empties the buffer and reserves the frame length. */
    public WireBuffer startFrame() {
        pos = 4;
        return this;
    }

    public WireBuffer putByte(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public WireBuffer putShort(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    public WireBuffer putInt(int v) {
        ensure(4);
        putIntAt(pos, v);
        pos += 4;
        return this;
    }

    public WireBuffer putLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
        return this;
    }

    public WireBuffer putBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    /** {@code [int16 length][UTF-8]}; the caller guarantees at most {@link Protocol#MAX_STRING} bytes. */
    public WireBuffer putString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > Protocol.MAX_STRING) {
            throw new IllegalArgumentException("string of " + b.length + " UTF-8 bytes exceeds "
                    + Protocol.MAX_STRING);
        }
        return putShort(b.length).putBytes(b);
    }

    /** Payload bytes so far (frame length not counted). */
    public int payloadLength() {
        return pos - 4;
    }

    /** Fills in the frame length and writes the frame in one call; returns the bytes written. */
    public int writeFrameTo(OutputStream out) throws IOException {
        putIntAt(0, pos - 4);
        out.write(buf, 0, pos);
        out.flush();
        return pos;
    }

    private void putIntAt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
