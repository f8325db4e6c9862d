package io.coldtier.vmm.kvm.internal;

import io.coldtier.vmm.kvm.internal.struct.KvmCpuid2;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs;
import io.coldtier.vmm.kvm.internal.struct.KvmUserspaceMemoryRegion;

import java.util.Map;

/**
 * KVM ABI numbers from {@code linux/kvm.h} (x86-64). They are ABI and never change; the request
 * numbers are built with {@code _IOC} from the Java struct sizes, and KvmLayoutTest checks both
 * against gcc and the machine's headers.
 */
public final class KvmApi {
    /** {@code KVMIO}, the ioctl type byte of every KVM request. */
    static final int KVMIO = 0xAE;

    /** The only stable API version there has ever been ({@code KVM_API_VERSION}). */
    public static final int API_VERSION = 12;

    // System fd (/dev/kvm).
    public static final long GET_API_VERSION = io(0x00);
    public static final long CREATE_VM = io(0x01);
    public static final long CHECK_EXTENSION = io(0x03);
    public static final long GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long GET_SUPPORTED_CPUID = iowr(0x05, KvmCpuid2.HEADER_SIZE);

    // VM fd.
    public static final long CREATE_VCPU = io(0x41);
    public static final long SET_USER_MEMORY_REGION = iow(0x46, KvmUserspaceMemoryRegion.SIZE);
    public static final long SET_TSS_ADDR = io(0x47);

    // vCPU fd (and KVM_GET_STATS_FD also on the VM fd).
    public static final long RUN = io(0x80);
    public static final long GET_REGS = ior(0x81, KvmRegs.SIZE);
    public static final long SET_REGS = iow(0x82, KvmRegs.SIZE);
    public static final long GET_SREGS = ior(0x83, KvmSregs.SIZE);
    public static final long SET_SREGS = iow(0x84, KvmSregs.SIZE);
    public static final long SET_CPUID2 = iow(0x90, KvmCpuid2.HEADER_SIZE);
    public static final long GET_STATS_FD = io(0xCE);

    // KVM_CHECK_EXTENSION capabilities.
    public static final int CAP_USER_MEMORY = 3, CAP_SET_TSS_ADDR = 4, CAP_EXT_CPUID = 7, CAP_NR_VCPUS = 9,
            CAP_MAX_VCPUS = 66, CAP_BINARY_STATS_FD = 203;

    // kvm_run.exit_reason.
    public static final int EXIT_UNKNOWN = 0, EXIT_EXCEPTION = 1, EXIT_IO = 2, EXIT_HYPERCALL = 3,
            EXIT_DEBUG = 4, EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_IRQ_WINDOW_OPEN = 7, EXIT_SHUTDOWN = 8,
            EXIT_FAIL_ENTRY = 9, EXIT_INTR = 10, EXIT_INTERNAL_ERROR = 17, EXIT_SYSTEM_EVENT = 24;

    /** kvm_run.io.direction. */
    public static final int EXIT_IO_IN = 0, EXIT_IO_OUT = 1;

    private static final Map<Integer, String> EXIT_NAMES = Map.ofEntries(
            Map.entry(EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN"), Map.entry(EXIT_EXCEPTION, "KVM_EXIT_EXCEPTION"),
            Map.entry(EXIT_IO, "KVM_EXIT_IO"), Map.entry(EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"),
            Map.entry(EXIT_DEBUG, "KVM_EXIT_DEBUG"), Map.entry(EXIT_HLT, "KVM_EXIT_HLT"),
            Map.entry(EXIT_MMIO, "KVM_EXIT_MMIO"), Map.entry(EXIT_IRQ_WINDOW_OPEN, "KVM_EXIT_IRQ_WINDOW_OPEN"),
            Map.entry(EXIT_SHUTDOWN, "KVM_EXIT_SHUTDOWN"), Map.entry(EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY"),
            Map.entry(EXIT_INTR, "KVM_EXIT_INTR"), Map.entry(EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR"),
            Map.entry(EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT"));

    private KvmApi() {}

    /** {@code KVM_EXIT_SHUTDOWN} or {@code "exit reason 42"}. */
    public static String exitName(int reason) {
        String n = EXIT_NAMES.get(reason);
        return n != null ? n : "exit reason " + reason;
    }

    /** {@code _IOC(dir, type, nr, size)} on x86-64: {@code dir<<30 | size<<16 | type<<8 | nr}. */
    static long ioc(long dir, long nr, long size) {
        return dir << 30 | size << 16 | (long) KVMIO << 8 | nr;
    }

    private static long io(long nr) {
        return ioc(0, nr, 0);
    }

    private static long iow(long nr, long size) {
        return ioc(1, nr, size);
    }

    private static long ior(long nr, long size) {
        return ioc(2, nr, size);
    }

    private static long iowr(long nr, long size) {
        return ioc(3, nr, size);
    }
}
