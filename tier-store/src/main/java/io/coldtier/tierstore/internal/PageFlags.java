package io.coldtier.tierstore.internal;

import io.coldtier.tierstore.StoredPage;

/**
 * The flags byte, shared by the stored value and the RPC page entry: bit 0 = zero page, bit 1 = LZ4
 * contents; bits 2..7 are reserved and must be zero (a reader rejects them, so a future flag is never
 * silently misread).
 */
public final class PageFlags {
    public static final int ZERO = 0x01;
    public static final int LZ4 = 0x02;
    private static final int KNOWN = ZERO | LZ4;

    private PageFlags() {
    }

    public static byte of(StoredPage p) {
        return (byte) ((p.zero() ? ZERO : 0) | (p.compression() == StoredPage.Compression.LZ4 ? LZ4 : 0));
    }

    /** Throws {@link IllegalArgumentException} for reserved bits. */
    public static void check(byte flags) {
        if ((flags & ~KNOWN) != 0) {
            throw new IllegalArgumentException("unknown flag bits 0x" + Integer.toHexString(flags & 0xff & ~KNOWN));
        }
    }

    public static boolean zero(byte flags) {
        return (flags & ZERO) != 0;
    }

    public static StoredPage.Compression compression(byte flags) {
        return (flags & LZ4) != 0 ? StoredPage.Compression.LZ4 : StoredPage.Compression.NONE;
    }
}
