package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.OwnedFd;
import io.coldtier.vmm.kvm.internal.struct.KvmUserspaceMemoryRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A KVM virtual machine descriptor, owned. Holds memory slots and creates vCPUs. Close the vCPUs
 * first: the kernel keeps the VM alive while any vCPU fd is open, so the order only matters for
 * when memory is released, never for safety. {@link #close()} is idempotent.
 */
public final class KvmVm implements AutoCloseable {
    private final OwnedFd fd;

    KvmVm(OwnedFd fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd.get();
    }

    /**
     * {@code KVM_SET_USER_MEMORY_REGION}: maps {@code size} bytes of this process at
     * {@code hostAddress} into the guest at {@code gpa}. KVM resolves guest accesses through the
     * host page tables of that range, so a userfaultfd registered on it sees the guest's faults
     * as faults of the vCPU thread.
     */
    public void setUserMemoryRegion(int slot, long gpa, long size, long hostAddress) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = KvmUserspaceMemoryRegion.allocate(a);
            KvmUserspaceMemoryRegion.slot(s, slot);
            KvmUserspaceMemoryRegion.flags(s, 0);
            KvmUserspaceMemoryRegion.guestPhysAddr(s, gpa);
            KvmUserspaceMemoryRegion.memorySize(s, size);
            KvmUserspaceMemoryRegion.userspaceAddr(s, hostAddress);
            KvmSys.ioctl(fd.get(), KvmApi.SET_USER_MEMORY_REGION, s, "KVM_SET_USER_MEMORY_REGION");
        }
    }

    /**
     * {@code KVM_SET_TSS_ADDR}: three pages of guest-physical space Intel KVM needs for real-mode
     * emulation. This guest never enters real mode; the call is part of the measured recipe
     * (kvm-guest.md) and costs nothing.
     */
    public void setTssAddr(long gpa) {
        KvmSys.ioctl(fd.get(), KvmApi.SET_TSS_ADDR, gpa, "KVM_SET_TSS_ADDR");
    }

    /** {@code KVM_CREATE_VCPU(id)} plus the {@code kvm_run} mapping and the stats fd. */
    public KvmVcpu createVcpu(int id, long mmapSize, boolean statsFd) {
        int vcpuFd = KvmSys.ioctl(fd.get(), KvmApi.CREATE_VCPU, id, "KVM_CREATE_VCPU(" + id + ")");
        return KvmVcpu.adopt(OwnedFd.adopt(vcpuFd, "kvm vcpu " + id), id, mmapSize, statsFd);
    }

    @Override
    public void close() {
        fd.close();
    }
}
