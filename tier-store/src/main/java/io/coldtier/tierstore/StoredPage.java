package io.coldtier.tierstore;

import java.util.Arrays;
import java.util.Objects;

/**
 * One evicted page as the tier store keeps it: who it belongs to, its version and checksum, and its
 * contents exactly as the agent sent them (LZ4 block format, or raw). The store never (de)compresses and
 * never interprets the checksum; the agent checks it after decompressing, before mapping the page into a
 * guest (and poisons the page on a mismatch).
 *
 * <p>A zero page is a marker: {@code zero == true}, no contents, compression {@link Compression#NONE}.
 *
 * <p>The {@code contents} array is not copied (a page is 4 KiB and is read once per refault); callers must
 * not modify it after handing it over.
 *
 * @param vmId        the VM, non-blank, at most {@value PageStoreKey#MAX_VM_ID_BYTES} UTF-8 bytes
 * @param region      guest memory region index, {@code >= 0}
 * @param page        page index inside the region, {@code >= 0}
 * @param version     eviction version, {@code >= 0}; higher versions replace lower ones
 * @param checksum    the agent's checksum of the raw page (opaque to the store)
 * @param zero        true for a zero-page marker
 * @param compression how {@code contents} is encoded
 * @param rawLength   the page size in bytes, 1 .. {@value #MAX_RAW_LENGTH} (2 MiB: hugetlbfs pages)
 * @param contents    the encoded bytes; empty for a zero page, exactly {@code rawLength} bytes when raw
 */
public record StoredPage(String vmId, int region, long page, long version, int checksum, boolean zero,
                         Compression compression, int rawLength, byte[] contents) {

    /** Largest page: a 2 MiB hugetlbfs page. */
    public static final int MAX_RAW_LENGTH = 2 * 1024 * 1024;
    /** Largest encoded contents: LZ4's worst case for {@link #MAX_RAW_LENGTH} ({@code n + n/255 + 16}). */
    public static final int MAX_CONTENT_LENGTH = MAX_RAW_LENGTH + MAX_RAW_LENGTH / 255 + 16;

    /** How {@link #contents()} is encoded. */
    public enum Compression {
        /** Raw page bytes ({@code contents.length == rawLength}). */
        NONE,
        /** One LZ4 block (no frame header); decompress into {@code rawLength} bytes. */
        LZ4
    }

    public StoredPage {
        new PageStoreKey(vmId, region, page); // validates vmId, region, page
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(contents, "contents");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        if (rawLength <= 0 || rawLength > MAX_RAW_LENGTH) {
            throw new IllegalArgumentException("rawLength must be 1.." + MAX_RAW_LENGTH + ", was " + rawLength);
        }
        if (zero) {
            if (contents.length != 0 || compression != Compression.NONE) {
                throw new IllegalArgumentException("a zero page carries no contents and no compression, got "
                        + contents.length + " bytes, " + compression);
            }
        } else if (compression == Compression.NONE && contents.length != rawLength) {
            throw new IllegalArgumentException("raw contents must be rawLength (" + rawLength + ") bytes, got "
                    + contents.length);
        } else if (compression == Compression.LZ4 && (contents.length == 0 || contents.length > MAX_CONTENT_LENGTH)) {
            throw new IllegalArgumentException("LZ4 contents must be 1.." + MAX_CONTENT_LENGTH + " bytes, got "
                    + contents.length);
        }
    }

    /** An LZ4-compressed page. */
    public static StoredPage lz4(String vmId, int region, long page, long version, int checksum, int rawLength,
                                 byte[] compressed) {
        return new StoredPage(vmId, region, page, version, checksum, false, Compression.LZ4, rawLength, compressed);
    }

    /** An uncompressed page. */
    public static StoredPage raw(String vmId, int region, long page, long version, int checksum, byte[] bytes) {
        return new StoredPage(vmId, region, page, version, checksum, false, Compression.NONE, bytes.length, bytes);
    }

    /** A zero-page marker. */
    public static StoredPage zeroPage(String vmId, int region, long page, long version, int checksum,
                                      int rawLength) {
        return new StoredPage(vmId, region, page, version, checksum, true, Compression.NONE, rawLength,
                new byte[0]);
    }

    /** This page's key. */
    public PageStoreKey key() {
        return new PageStoreKey(vmId, region, page);
    }

    /** Compares contents by value (records compare arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredPage p && region == p.region && page == p.page && version == p.version
                && checksum == p.checksum && zero == p.zero && rawLength == p.rawLength
                && compression == p.compression && vmId.equals(p.vmId) && Arrays.equals(contents, p.contents);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vmId, region, page, version, checksum, zero, compression, rawLength)
                * 31 + Arrays.hashCode(contents);
    }

    @Override
    public String toString() {
        return "StoredPage[" + vmId + "/" + region + "/" + page + " v" + version + ", checksum=0x"
                + Integer.toHexString(checksum) + (zero ? ", zero" : ", " + compression + " " + contents.length
                + " bytes") + ", rawLength=" + rawLength + "]";
    }
}
