package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The binary statistics file of {@code KVM_GET_STATS_FD} ({@code linux/kvm.h},
 * Documentation/virt/kvm/api.rst 4.133): a header, an id string, {@code num_desc} descriptors of
 * {@code DESC_SIZE + name_size} bytes each, and a data block of {@code __u64} values. Read it with
 * {@code pread}; the descriptors never change for the life of the fd, the data does.
 *
 * {@snippet lang=c :
 * struct kvm_stats_header {
 *     __u32 flags;
 *     __u32 name_size;
 *     __u32 num_desc;
 *     __u32 id_offset;
 *     __u32 desc_offset;
 *     __u32 data_offset;
 * };
 * struct kvm_stats_desc {
 *     __u32 flags;          // KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_*
 *     __s16 exponent;
 *     __u16 size;           // number of __u64 data items
 *     __u32 offset;         // of the first item, relative to data_offset
 *     __u32 bucket_size;
 *     char name[];          // name_size bytes, NUL-terminated
 * };
 * }
 */
public final class KvmStatsHeader {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("name_size"),
            JAVA_INT.withName("num_desc"),
            JAVA_INT.withName("id_offset"),
            JAVA_INT.withName("desc_offset"),
            JAVA_INT.withName("data_offset"));

    public static final StructLayout DESC = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            JAVA_SHORT.withName("exponent"),
            JAVA_SHORT.withName("size"),
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("bucket_size"));

    public static final long SIZE = LAYOUT.byteSize();
    /** The fixed part of a descriptor; the name follows. */
    public static final long DESC_SIZE = DESC.byteSize();
    public static final long DESC_NAME_OFFSET = DESC_SIZE;

    /** {@code KVM_STATS_TYPE_MASK}; values are {@code KVM_STATS_TYPE_CUMULATIVE} (0), INSTANT (1), PEAK (2), histograms. */
    public static final int TYPE_MASK = 0xF;

    private KvmStatsHeader() {}

    public static int nameSize(MemorySegment h) {
        return h.get(JAVA_INT, field("name_size"));
    }

    public static int numDesc(MemorySegment h) {
        return h.get(JAVA_INT, field("num_desc"));
    }

    public static int descOffset(MemorySegment h) {
        return h.get(JAVA_INT, field("desc_offset"));
    }

    public static int dataOffset(MemorySegment h) {
        return h.get(JAVA_INT, field("data_offset"));
    }

    public static int descFlags(MemorySegment d) {
        return d.get(JAVA_INT, DESC.byteOffset(PathElement.groupElement("flags")));
    }

    /** Number of {@code __u64} items (1 for a counter, more for a histogram). */
    public static int descSize(MemorySegment d) {
        return Short.toUnsignedInt(d.get(JAVA_SHORT, DESC.byteOffset(PathElement.groupElement("size"))));
    }

    public static int descOffset0(MemorySegment d) {
        return d.get(JAVA_INT, DESC.byteOffset(PathElement.groupElement("offset")));
    }

    public static long value(MemorySegment data, long byteOffset) {
        return data.get(JAVA_LONG, byteOffset);
    }

    private static long field(String name) {
        return LAYOUT.byteOffset(PathElement.groupElement(name));
    }
}
