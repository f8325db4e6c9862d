package io.coldtier.vmm.kvm.internal.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The special registers of a vCPU, {@code KVM_GET_SREGS}/{@code KVM_SET_SREGS} ({@code asm/kvm.h},
 * x86): segment caches, descriptor tables, control registers, EFER.
 *
 * {@snippet lang=c :
 * struct kvm_segment {
 *     __u64 base;
 *     __u32 limit;
 *     __u16 selector;
 *     __u8  type;
 *     __u8  present, dpl, db, s, l, g, avl;
 *     __u8  unusable;
 *     __u8  padding;
 * };
 * struct kvm_dtable {
 *     __u64 base;
 *     __u16 limit;
 *     __u16 padding[3];
 * };
 * struct kvm_sregs {
 *     struct kvm_segment cs, ds, es, fs, gs, ss;
 *     struct kvm_segment tr, ldt;
 *     struct kvm_dtable gdt, idt;
 *     __u64 cr0, cr2, cr3, cr4, cr8;
 *     __u64 efer;
 *     __u64 apic_base;
 *     __u64 interrupt_bitmap[(KVM_NR_INTERRUPTS + 63) / 64];   // 256 interrupts: 4 words
 * };
 * }
 */
public final class KvmSregs {
    public static final StructLayout SEGMENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_INT.withName("limit"),
            JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"),
            JAVA_BYTE.withName("present"),
            JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"),
            JAVA_BYTE.withName("s"),
            JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"),
            JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding"));

    public static final StructLayout DTABLE = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_SHORT.withName("limit"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("padding"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SEGMENT.withName("cs"), SEGMENT.withName("ds"), SEGMENT.withName("es"),
            SEGMENT.withName("fs"), SEGMENT.withName("gs"), SEGMENT.withName("ss"),
            SEGMENT.withName("tr"), SEGMENT.withName("ldt"),
            DTABLE.withName("gdt"), DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap"));

    public static final long SIZE = LAYOUT.byteSize();

    /** The segment registers, in struct order. */
    public enum Seg {
        CS, DS, ES, FS, GS, SS, TR, LDT;

        public long offset() {
            return LAYOUT.byteOffset(PathElement.groupElement(name().toLowerCase(Locale.ROOT)));
        }
    }

    /** Control registers and MSR-backed fields held as plain {@code __u64}. */
    public enum Ctl {
        CR0, CR2, CR3, CR4, CR8, EFER, APIC_BASE;

        public long offset() {
            return LAYOUT.byteOffset(PathElement.groupElement(name().toLowerCase(Locale.ROOT)));
        }
    }

    public static final long GDT_OFFSET = LAYOUT.byteOffset(PathElement.groupElement("gdt"));
    public static final long IDT_OFFSET = LAYOUT.byteOffset(PathElement.groupElement("idt"));

    /** One {@code kvm_segment} as a value; the flag bytes are 0/1 except {@code type} and {@code dpl}. */
    public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                          boolean s, boolean l, boolean g, boolean unusable) {

        public static Segment read(MemorySegment sregs, Seg seg) {
            MemorySegment m = sregs.asSlice(seg.offset(), SEGMENT.byteSize());
            return new Segment(m.get(JAVA_LONG, 0), m.get(JAVA_INT, 8), Short.toUnsignedInt(m.get(JAVA_SHORT, 12)),
                    m.get(JAVA_BYTE, 14), m.get(JAVA_BYTE, 15) != 0, m.get(JAVA_BYTE, 16), m.get(JAVA_BYTE, 17) != 0,
                    m.get(JAVA_BYTE, 18) != 0, m.get(JAVA_BYTE, 19) != 0, m.get(JAVA_BYTE, 20) != 0,
                    m.get(JAVA_BYTE, 22) != 0);
        }

        /** Writes every field; {@code avl} and {@code padding} are 0. */
        public void write(MemorySegment sregs, Seg seg) {
            MemorySegment m = sregs.asSlice(seg.offset(), SEGMENT.byteSize());
            m.fill((byte) 0);
            m.set(JAVA_LONG, 0, base);
            m.set(JAVA_INT, 8, limit);
            m.set(JAVA_SHORT, 12, (short) selector);
            m.set(JAVA_BYTE, 14, (byte) type);
            m.set(JAVA_BYTE, 15, flag(present));
            m.set(JAVA_BYTE, 16, (byte) dpl);
            m.set(JAVA_BYTE, 17, flag(db));
            m.set(JAVA_BYTE, 18, flag(s));
            m.set(JAVA_BYTE, 19, flag(l));
            m.set(JAVA_BYTE, 20, flag(g));
            m.set(JAVA_BYTE, 22, flag(unusable));
        }

        private static byte flag(boolean b) {
            return (byte) (b ? 1 : 0);
        }
    }

    private KvmSregs() {}

    /** A zeroed struct. */
    public static MemorySegment allocate(SegmentAllocator a) {
        return a.allocate(LAYOUT).fill((byte) 0);
    }

    public static long get(MemorySegment s, Ctl c) {
        return s.get(JAVA_LONG, c.offset());
    }

    public static void set(MemorySegment s, Ctl c, long v) {
        s.set(JAVA_LONG, c.offset(), v);
    }

    /** Sets a descriptor-table register ({@link #GDT_OFFSET} or {@link #IDT_OFFSET}). */
    public static void dtable(MemorySegment s, long tableOffset, long base, int limit) {
        s.set(JAVA_LONG, tableOffset, base);
        s.set(JAVA_SHORT, tableOffset + 8, (short) limit);
    }

    public static long dtableBase(MemorySegment s, long tableOffset) {
        return s.get(JAVA_LONG, tableOffset);
    }

    public static int dtableLimit(MemorySegment s, long tableOffset) {
        return Short.toUnsignedInt(s.get(JAVA_SHORT, tableOffset + 8));
    }
}
