package io.coldtier.workload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Self-verifying page contents: a page image says which page it belongs to, which write produced
 * it, and carries a checksum, so a reader that knows the last version it wrote can tell a correct
 * page from a lost write, a page served to the wrong address, or a page that came back as zeros.
 *
 * <p>Layout of one {@value #FORMAT_BYTES}-byte image (all fields little-endian, so an image built by
 * {@link #fill} can be written to the backing file with {@code pwrite} and still verify):
 * <pre>
 *   [0, 8)    magic | page index     0xC01D in the top 16 bits, the index in the low 48
 *   [8, 16)   write version          1 for the first write, +1 per write
 *   [16, 20)  writer                 the vCPU number that wrote it (diagnostics only)
 *   [20, 24)  CRC32C of [24, 4096)
 *   [24, 4096) payload               xorshift64 stream seeded from (index, version)
 * </pre>
 * The payload is a function of (index, version), so its first word also binds the header to the
 * payload: a header whose version was rewritten in place fails the check even if the CRC is intact.
 *
 * <p><b>2 MiB pages:</b> only the first {@value #FORMAT_BYTES} bytes of a huge page carry the format;
 * the rest is never written by the workload (touching one byte faults in the whole huge page
 * anyway, and copying 2 MiB per operation would measure memcpy, not tiering).
 *
 * <p>Pure: works on any segment of at least {@value #FORMAT_BYTES} bytes. Callers pass thread-local
 * scratch memory, never a guest page (see {@link Workload} for why).
 */
public final class PageFormat {
    /** Bytes of a page image; for 2 MiB pages only this prefix is formatted. */
    public static final int FORMAT_BYTES = 4096;
    public static final long MAGIC = 0xC01D_0000_0000_0000L;
    static final long MAGIC_MASK = 0xFFFF_0000_0000_0000L;
    static final long INDEX_MASK = ~MAGIC_MASK;
    static final long OFF_MAGIC_INDEX = 0, OFF_VERSION = 8, OFF_WRITER = 16, OFF_CRC = 20, OFF_PAYLOAD = 24;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a page image says relative to what its owner expected. */
    public enum Verdict {
        /** Header, checksum and version all match. */
        OK,
        /** All zero and nothing was ever written: a fresh page (valid). */
        NEVER_WRITTEN,
        /** All zero although a version was written: the data was lost (e.g. a refault served zeros). */
        ZEROED,
        /** Not all zero but the magic is missing: garbage or a foreign page. */
        BAD_MAGIC,
        /** A formatted page of a different index: a page served at the wrong address. */
        WRONG_INDEX,
        /** The payload does not match its checksum or its header: torn or corrupted data. */
        BAD_CHECKSUM,
        /** An older version than the last one written: a LOST WRITE. */
        STALE_VERSION,
        /** A newer version than the last one written: the owner's bookkeeping or another writer is wrong. */
        FUTURE_VERSION;

        /** True for the verdicts a correct system can produce. */
        public boolean valid() {
            return this == OK || this == NEVER_WRITTEN;
        }
    }

    private PageFormat() {}

    /** Writes the image of {@code index} at {@code version} (>= 1), written by {@code writer}, into {@code scratch}. */
    public static void fill(MemorySegment scratch, long index, long version, int writer) {
        checkSize(scratch);
        if (index < 0 || index > INDEX_MASK) {
            throw new IllegalArgumentException("page index " + index + " does not fit in 48 bits");
        }
        if (version < 1) {
            throw new IllegalArgumentException("write version " + version + " < 1 (0 means never written)");
        }
        long x = seed(index, version);
        for (long off = OFF_PAYLOAD; off < FORMAT_BYTES; off += 8) {
            x = xorshift(x);
            scratch.set(LONG, off, x);
        }
        scratch.set(LONG, OFF_MAGIC_INDEX, MAGIC | index);
        scratch.set(LONG, OFF_VERSION, version);
        scratch.set(INT, OFF_WRITER, writer);
        scratch.set(INT, OFF_CRC, payloadCrc(scratch));
    }

    /** Checks the image in {@code scratch} against page {@code index} last written at {@code expectedVersion} (0 = never). */
    public static Verdict verify(MemorySegment scratch, long index, long expectedVersion) {
        checkSize(scratch);
        long magicIndex = scratch.get(LONG, OFF_MAGIC_INDEX);
        if (magicIndex == 0 && allZero(scratch)) {
            return expectedVersion == 0 ? Verdict.NEVER_WRITTEN : Verdict.ZEROED;
        }
        if ((magicIndex & MAGIC_MASK) != MAGIC) {
            return Verdict.BAD_MAGIC;
        }
        if ((magicIndex & INDEX_MASK) != index) {
            return Verdict.WRONG_INDEX;
        }
        long found = version(scratch);
        if (scratch.get(INT, OFF_CRC) != payloadCrc(scratch)
                || found < 1
                || scratch.get(LONG, OFF_PAYLOAD) != xorshift(seed(index, found))) {
            return Verdict.BAD_CHECKSUM;
        }
        if (found < expectedVersion) {
            return Verdict.STALE_VERSION;
        }
        return found > expectedVersion ? Verdict.FUTURE_VERSION : Verdict.OK;
    }

    /** The index field of an image (meaningful only if the magic is present). */
    public static long index(MemorySegment scratch) {
        return scratch.get(LONG, OFF_MAGIC_INDEX) & INDEX_MASK;
    }

    public static long version(MemorySegment scratch) {
        return scratch.get(LONG, OFF_VERSION);
    }

    public static int writer(MemorySegment scratch) {
        return scratch.get(INT, OFF_WRITER);
    }

    /** One line for an error report: what the image holds, whatever its verdict. */
    public static String describe(MemorySegment scratch) {
        long magicIndex = scratch.get(LONG, OFF_MAGIC_INDEX);
        return String.format("header 0x%016x, version %d, writer %d", magicIndex, version(scratch), writer(scratch));
    }

    private static int payloadCrc(MemorySegment scratch) {
        CRC32C crc = new CRC32C();
        crc.update(scratch.asSlice(OFF_PAYLOAD, FORMAT_BYTES - OFF_PAYLOAD).asByteBuffer());
        return (int) crc.getValue();
    }

    private static boolean allZero(MemorySegment scratch) {
        for (long off = 0; off < FORMAT_BYTES; off += 8) {
            if (scratch.get(LONG, off) != 0) {
                return false;
            }
        }
        return true;
    }

    /** splitmix64 finaliser of (index, version): distinct, well-mixed, never zero (xorshift's fixed point). */
    private static long seed(long index, long version) {
        long z = index * 0x9E37_79B9_7F4A_7C15L + version * 0xC2B2_AE3D_27D4_EB4FL;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        z ^= z >>> 31;
        return z == 0 ? 0x2545_F491_4F6C_DD1DL : z;
    }

    /** Marsaglia xorshift64 (13, 7, 17): one step per payload word, cheap enough to run on every write. */
    private static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    private static void checkSize(MemorySegment scratch) {
        if (scratch.byteSize() < FORMAT_BYTES) {
            throw new IllegalArgumentException("scratch of " + scratch.byteSize() + " bytes < " + FORMAT_BYTES);
        }
    }
}
