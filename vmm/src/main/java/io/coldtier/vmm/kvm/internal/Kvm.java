package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.Errno;
import io.coldtier.linux.Libc;
import io.coldtier.linux.NativeException;
import io.coldtier.linux.OwnedFd;
import io.coldtier.vmm.kvm.internal.struct.KvmCpuid2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The KVM system descriptor ({@code /dev/kvm}), owned: API version, capabilities, the supported
 * CPUID table, and VM creation. {@link #close()} is idempotent; VMs created from it stay valid
 * after it is closed (each VM fd holds its own reference to the module).
 */
public final class Kvm implements AutoCloseable {
    public static final Path DEV_KVM = Path.of("/dev/kvm");

    /** Entries the first KVM_GET_SUPPORTED_CPUID call makes room for; grown on E2BIG. */
    private static final int CPUID_START_CAPACITY = 128;
    private static final int CPUID_MAX_CAPACITY = 4096;

    private final OwnedFd fd;

    private Kvm(OwnedFd fd) {
        this.fd = fd;
    }

    /** Opens {@code /dev/kvm} read-write (what every KVM ioctl needs). */
    public static Kvm open() {
        return open(DEV_KVM);
    }

    /** Opens a KVM device node at {@code device} (tests point this elsewhere). */
    public static Kvm open(Path device) {
        return new Kvm(Libc.open(device, Libc.O_RDWR));
    }

    public int fd() {
        return fd.get();
    }

    /** {@code KVM_GET_API_VERSION}: 12 on every kernel since 2.6.22. */
    public int apiVersion() {
        return KvmSys.ioctl(fd.get(), KvmApi.GET_API_VERSION, 0, "KVM_GET_API_VERSION");
    }

    /** {@code KVM_CHECK_EXTENSION}: 0 when absent, else 1 or a capability-specific value. */
    public int checkExtension(int cap) {
        return KvmSys.ioctl(fd.get(), KvmApi.CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION(" + cap + ")");
    }

    /** {@code KVM_GET_VCPU_MMAP_SIZE}: bytes to mmap from a vCPU fd for its {@code kvm_run}. */
    public long vcpuMmapSize() {
        return KvmSys.ioctl(fd.get(), KvmApi.GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    }

    /**
     * {@code KVM_GET_SUPPORTED_CPUID}, copied into {@code arena}: header and {@code nent} entries.
     * The caller cannot know the entry count in advance, so the call is retried with a larger
     * buffer while the kernel answers E2BIG.
     */
    public MemorySegment supportedCpuid(Arena arena) {
        for (int capacity = CPUID_START_CAPACITY; capacity <= CPUID_MAX_CAPACITY; capacity *= 2) {
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment table = KvmCpuid2.allocate(tmp, capacity);
                int rc = KvmSys.ioctlRaw(fd.get(), KvmApi.GET_SUPPORTED_CPUID, table);
                if (rc == -Errno.E2BIG) {
                    continue;
                }
                if (rc < 0) {
                    throw new NativeException("ioctl(KVM_GET_SUPPORTED_CPUID)", -rc);
                }
                long bytes = KvmCpuid2.HEADER_SIZE + KvmCpuid2.nent(table) * KvmCpuid2.ENTRY_SIZE;
                return arena.allocate(bytes, 8).copyFrom(table.asSlice(0, bytes));
            }
        }
        throw new NativeException("ioctl(KVM_GET_SUPPORTED_CPUID)", Errno.E2BIG,
                "more than " + CPUID_MAX_CAPACITY + " entries");
    }

    /** {@code KVM_CREATE_VM(0)}: the default VM type (the only one kvm_pvm offers). */
    public KvmVm createVm() {
        int vmFd = KvmSys.ioctl(fd.get(), KvmApi.CREATE_VM, 0, "KVM_CREATE_VM");
        return new KvmVm(OwnedFd.adopt(vmFd, "kvm vm"));
    }

    @Override
    public void close() {
        fd.close();
    }
}
