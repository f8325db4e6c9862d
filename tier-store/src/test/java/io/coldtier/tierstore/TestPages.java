package io.coldtier.tierstore;

import net.jpountz.lz4.LZ4Factory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** Pages as the agent would send them: 4 KiB, LZ4 block format, CRC32C of the raw bytes. */
final class TestPages {
    static final int PAGE = 4096;

    private TestPages() {
    }

    static byte[] raw(long seed) {
        byte[] raw = new byte[PAGE];
        byte[] text = ("page-" + seed + ";").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            raw[i] = text[i % text.length];
        }
        return raw;
    }

    static StoredPage lz4(String vmId, int region, long page, long version) {
        byte[] raw = raw(page * 1_000 + version);
        return StoredPage.lz4(vmId, region, page, version, crc(raw), PAGE,
                LZ4Factory.fastestInstance().fastCompressor().compress(raw));
    }

    static StoredPage zero(String vmId, int region, long page, long version) {
        return StoredPage.zeroPage(vmId, region, page, version, crc(new byte[PAGE]), PAGE);
    }

    /** What the agent does on refault: decompress and check. */
    static byte[] decompress(StoredPage p) {
        if (p.zero()) {
            return new byte[p.rawLength()];
        }
        if (p.compression() == StoredPage.Compression.NONE) {
            return p.contents();
        }
        return LZ4Factory.fastestInstance().safeDecompressor().decompress(p.contents(), p.rawLength());
    }

    static boolean checksumMatches(StoredPage p) {
        return crc(decompress(p)) == p.checksum();
    }

    static int crc(byte[] raw) {
        CRC32C c = new CRC32C();
        c.update(raw);
        return (int) c.getValue();
    }

    static boolean sameRaw(StoredPage p, long seed) {
        return Arrays.equals(decompress(p), raw(seed));
    }
}
