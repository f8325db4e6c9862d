package io.coldtier.tierstore.internal;

import io.coldtier.tierstore.PageStoreKey;
import io.coldtier.tierstore.StoredPage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The RocksDB value of one page: {@code [int64 version][int32 checksum][uint8 flags][int32 rawLength][contents]},
 * big-endian, {@value #HEADER} bytes of header. The version comes first so a put can read just 8 bytes of the
 * stored value to decide whether it is newer.
 */
public final class PageValueCodec {
    public static final int HEADER = 8 + 4 + 1 + 4;

    private PageValueCodec() {
    }

    public static byte[] encode(StoredPage p) {
        return ByteBuffer.allocate(HEADER + p.contents().length)
                .putLong(p.version()).putInt(p.checksum()).put(PageFlags.of(p)).putInt(p.rawLength())
                .put(p.contents()).array();
    }

    /** The version of an encoded value (of which at least the first 8 bytes are given). */
    public static long version(byte[] value) {
        if (value.length < 8) {
            throw new IllegalArgumentException("value of " + value.length + " bytes has no version");
        }
        return ByteBuffer.wrap(value).getLong(0);
    }

    /** Decodes a value; {@link IllegalArgumentException} if it is not one {@link #encode} wrote. */
    public static StoredPage decode(PageStoreKey key, byte[] value) {
        if (value.length < HEADER) {
            throw new IllegalArgumentException("value of " + value.length + " bytes is shorter than the "
                    + HEADER + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        long version = b.getLong();
        int checksum = b.getInt();
        byte flags = b.get();
        PageFlags.check(flags);
        int rawLength = b.getInt();
        byte[] contents = Arrays.copyOfRange(value, HEADER, value.length);
        return new StoredPage(key.vmId(), key.region(), key.page(), version, checksum, PageFlags.zero(flags),
                PageFlags.compression(flags), rawLength, contents);
    }
}
