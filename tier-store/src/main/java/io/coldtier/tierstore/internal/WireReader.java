package io.coldtier.tierstore.internal;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads big-endian fields from one frame payload, with a bounds check per field that names what was being
 * read: a truncated frame becomes {@link MalformedFrameException} ("truncated GET request: needs 8 bytes for
 * page at offset 14, frame has 16"), never an index exception.
 */
public final class WireReader {
    private final byte[] buf;
    private final int end;
    private final String what;
    private int pos;

    /** Reads {@code buf[0..length)}; {@code what} names the message in errors ("GET request"). */
    public WireReader(byte[] buf, int length, String what) {
        this.buf = buf;
        this.end = length;
        this.what = what;
    }

    public byte getByte(String field) {
        need(1, field);
        return buf[pos++];
    }

    public short getShort(String field) {
        need(2, field);
        short v = (short) (((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff));
        pos += 2;
        return v;
    }

    public int getInt(String field) {
        need(4, field);
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
                | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    public long getLong(String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xff);
        }
        return v;
    }

    public byte[] getBytes(int n, String field) {
        need(n, field);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    /** {@code [int16 length][UTF-8]}; rejects negative lengths and invalid UTF-8. */
    public String getString(String field) {
        short len = getShort(field + " length");
        if (len < 0) {
            throw new MalformedFrameException(what + ": negative " + field + " length " + len);
        }
        need(len, field);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw new MalformedFrameException(what + ": " + field + " is not valid UTF-8");
        }
    }

    public int remaining() {
        return end - pos;
    }

    /** Throws if bytes are left over: a frame must be exactly as long as its fields. */
    public void expectEnd() {
        if (pos != end) {
            throw new MalformedFrameException(what + ": " + (end - pos) + " unexpected trailing bytes after "
                    + pos + " bytes");
        }
    }

    private void need(int n, String field) {
        if (end - pos < n) {
            throw new MalformedFrameException("truncated " + what + ": needs " + n + " bytes for " + field
                    + " at offset " + pos + ", frame has " + end);
        }
    }
}
