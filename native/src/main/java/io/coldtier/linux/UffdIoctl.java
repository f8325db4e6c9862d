package io.coldtier.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * userfaultfd ioctl numbers ({@code _UFFDIO_*}) and request codes, x86-64. Stock values from
 * linux/userfaultfd.h; RWPROTECT and SET_MODE from the RWP series (rwp-uapi.md §1), checked by
 * LayoutMatchesKernelHeaderTest against gcc's {@code _IOWR}. DO NOT CHANGE THESE VALUES.
 */
public final class UffdIoctl {
    /** Bit numbers used in {@code uffdio_api.ioctls} and {@code uffdio_register.ioctls}. */
    public static final int NR_REGISTER = 0x00, NR_UNREGISTER = 0x01, NR_WAKE = 0x02, NR_COPY = 0x03,
            NR_ZEROPAGE = 0x04, NR_MOVE = 0x05, NR_WRITEPROTECT = 0x06, NR_CONTINUE = 0x07,
            NR_POISON = 0x08, NR_RWPROTECT = 0x09, NR_SET_MODE = 0x0A, NR_API = 0x3F;

    public static final long API = 0xC018AA3FL;
    public static final long REGISTER = 0xC020AA00L;
    public static final long UNREGISTER = 0x8010AA01L;
    public static final long WAKE = 0x8010AA02L;
    public static final long COPY = 0xC028AA03L;
    public static final long ZEROPAGE = 0xC020AA04L;
    public static final long MOVE = 0xC028AA05L;
    public static final long WRITEPROTECT = 0xC018AA06L;
    public static final long CONTINUE = 0xC020AA07L;
    public static final long POISON = 0xC020AA08L;
    public static final long RWPROTECT = 0xC018AA09L;
    public static final long SET_MODE = 0x4010AA0AL;
    /** Issued on /dev/userfaultfd: {@code _IO(0xAA, 0)}. */
    public static final long USERFAULTFD_IOC_NEW = 0xAA00L;

    private static final String[] NAMES = {
        "REGISTER", "UNREGISTER", "WAKE", "COPY", "ZEROPAGE", "MOVE", "WRITEPROTECT", "CONTINUE",
        "POISON", "RWPROTECT", "SET_MODE",
    };

    private UffdIoctl() {}

    /** Names of the ioctls in an {@code ioctls} bitmask as the kernel reports it. */
    public static List<String> names(long ioctls) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((ioctls & (1L << bit)) == 0) {
                continue;
            }
            if (bit < NAMES.length) {
                out.add("UFFDIO_" + NAMES[bit]);
            } else if (bit == NR_API) {
                out.add("UFFDIO_API");
            } else {
                out.add("UFFDIO_NR_" + bit);
            }
        }
        return out;
    }

    /** True if {@code ioctls} advertises ioctl number {@code nr}. */
    public static boolean has(long ioctls, int nr) {
        return (ioctls & (1L << nr)) != 0;
    }
}
