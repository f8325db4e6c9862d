package io.coldtier.tierstore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The RocksDB key of one page: {@code [uint16 vmIdLength][vmId UTF-8][int32 region][int64 page]}, all
 * big-endian. RocksDB orders keys bytewise, so this layout keeps
 * <ul>
 *   <li>all pages of one VM contiguous (they share the prefix {@code [length][vmId]}, and no other VM's key
 *       can start with it: a different id either differs in the length field or in its bytes), which makes
 *       {@link PageStore#deleteVm} a single range delete;</li>
 *   <li>within a VM, regions and then pages in numeric order (both are non-negative, so big-endian bytes
 *       sort like the numbers), which keeps neighbouring pages in the same SST blocks.</li>
 * </ul>
 *
 * @param vmId   non-blank, at most {@value #MAX_VM_ID_BYTES} bytes of UTF-8
 * @param region guest memory region index, {@code >= 0}
 * @param page   page index inside the region, {@code >= 0}
 */
public record PageStoreKey(String vmId, int region, long page) {
    /** Longest VM id, in UTF-8 bytes. Fits the 16-bit length of the key and of RPC strings with room to spare. */
    public static final int MAX_VM_ID_BYTES = 255;

    public PageStoreKey {
        vmIdBytes(vmId);
        if (region < 0) {
            throw new IllegalArgumentException("region must be >= 0, was " + region);
        }
        if (page < 0) {
            throw new IllegalArgumentException("page must be >= 0, was " + page);
        }
    }

    /** The key bytes. */
    public byte[] toBytes() {
        byte[] id = vmId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + id.length + 12)
                .putShort((short) id.length).put(id).putInt(region).putLong(page).array();
    }

    /** Parses key bytes written by {@link #toBytes()}. */
    public static PageStoreKey fromBytes(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < 2) {
            throw new IllegalArgumentException("key of " + key.length + " bytes has no vmId length");
        }
        ByteBuffer b = ByteBuffer.wrap(key);
        int idLength = Short.toUnsignedInt(b.getShort());
        if (key.length != 2 + idLength + 12) {
            throw new IllegalArgumentException("key of " + key.length + " bytes does not match vmId length "
                    + idLength + " (expected " + (2 + idLength + 12) + ")");
        }
        String vmId = new String(key, 2, idLength, StandardCharsets.UTF_8);
        b.position(2 + idLength);
        return new PageStoreKey(vmId, b.getInt(), b.getLong());
    }

    /** {@code [length][vmId]}: every key of this VM starts with these bytes, and no other key does. */
    public static byte[] vmPrefix(String vmId) {
        byte[] id = vmIdBytes(vmId);
        return ByteBuffer.allocate(2 + id.length).putShort((short) id.length).put(id).array();
    }

    /**
     * The smallest key greater than every key of this VM (the prefix incremented as a big-endian number), the
     * exclusive end of the VM's range. UTF-8 never contains 0xFF, so the increment never carries through
     * the whole prefix.
     */
    public static byte[] vmUpperBound(String vmId) {
        byte[] end = vmPrefix(vmId);
        for (int i = end.length - 1; i >= 0; i--) {
            if (++end[i] != 0) {
                return end;
            }
        }
        throw new IllegalStateException("vmId prefix is all 0xFF bytes, impossible for UTF-8: " + vmId);
    }

    /** Validates a VM id and returns its UTF-8 bytes. */
    static byte[] vmIdBytes(String vmId) {
        Objects.requireNonNull(vmId, "vmId");
        if (vmId.isBlank()) {
            throw new IllegalArgumentException("vmId must not be blank");
        }
        byte[] id = vmId.getBytes(StandardCharsets.UTF_8);
        if (!new String(id, StandardCharsets.UTF_8).equals(vmId)) {
            // An unpaired surrogate would be encoded as '?', and two ids would share one key range.
            throw new IllegalArgumentException("vmId is not valid Unicode (unpaired surrogate): " + vmId);
        }
        if (id.length > MAX_VM_ID_BYTES) {
            throw new IllegalArgumentException("vmId is " + id.length + " UTF-8 bytes, the limit is "
                    + MAX_VM_ID_BYTES);
        }
        return id;
    }

    @Override
    public String toString() {
        return vmId + "/" + region + "/" + page;
    }
}
