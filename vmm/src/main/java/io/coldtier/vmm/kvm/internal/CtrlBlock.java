package io.coldtier.vmm.kvm.internal;

/**
 * The per-vCPU control block: one guest page shared by the host and the guest program, the only
 * interface between them besides the port-I/O exits. The host writes the inputs before the first
 * KVM_RUN; the guest writes the outputs and then executes {@code OUT} on {@link #PORT_REPORT}, so
 * when the host sees that exit the outputs are complete and consistent (the vCPU is stopped in
 * user space until the host re-enters it).
 *
 * <p>All fields are {@code u64} at fixed offsets; the guest addresses them as {@code [r15 + off]}.
 */
public final class CtrlBlock {
    // Inputs (host → guest).
    /** GPA of this vCPU's first data page. */
    public static final int SLICE_BASE = 0x00;
    /** Number of data pages this vCPU owns (its slice). */
    public static final int SLICE_PAGES = 0x08;
    /** GPA of this vCPU's part of the shadow array: one u64 write counter per page of the slice. */
    public static final int SHADOW_BASE = 0x10;
    /** Pages in the hot set (hot-cold pattern). */
    public static final int HOT_PAGES = 0x18;
    /** An access goes to the hot set when 10 random bits (0..1023) are below this. */
    public static final int HOT_THRESHOLD = 0x20;
    /** Operations per phase; the hot set moves by {@link #HOT_STRIDE} pages at each phase end. */
    public static final int PHASE_OPS = 0x28;
    public static final int HOT_STRIDE = 0x30;
    /** Operations between two reports (OUT to {@link #PORT_REPORT}). */
    public static final int REPORT_EVERY = 0x38;
    /** xorshift64 state; must not be zero. */
    public static final int SEED = 0x40;

    // Outputs (guest → host), valid at every report exit.
    public static final int OUT_START = 0x80;
    public static final int OPS = 0x80;
    public static final int ERRORS = 0x88;
    public static final int PHASE = 0x90;
    /** GPA of the last page that failed verification. */
    public static final int LAST_BAD_GPA = 0x98;
    /** The write count the shadow array expected on that page. */
    public static final int LAST_BAD_EXPECTED = 0xA0;
    /** The write count the page held instead. */
    public static final int LAST_BAD_FOUND = 0xA8;
    /** Index (within the slice) of the first hot page. */
    public static final int HOT_BASE = 0xB0;
    /** 1 once the slice is initialised, 2 while running the pattern. */
    public static final int STATE = 0xB8;
    public static final int OUT_END = 0xC0;

    public static final int STATE_INITIALIZED = 1, STATE_RUNNING = 2;

    /** Ports the guest writes to; each OUT is one KVM_EXIT_IO. */
    public static final int PORT_INIT_DONE = 0x10, PORT_REPORT = 0x11;

    // Data page format.
    /** {@code page[0] = gpa ^ TAG_MAGIC}: says which page this is ("coldtier" in ASCII). */
    public static final long TAG_MAGIC = 0x636f6c6474696572L;
    public static final int PAGE_TAG = 0, PAGE_COUNTER = 8, PAGE_TAIL = 4088;

    private CtrlBlock() {}
}
