package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.Mapping;
import io.coldtier.linux.OwnedFd;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One vCPU: its descriptor, the shared {@code kvm_run} page(s) mapped from it, and its binary
 * statistics file. The three are owned together and released by one idempotent {@link #close()}
 * in the order stats fd, {@code kvm_run} mapping, vCPU fd (do not rearrange: the mapping holds a
 * reference to the vCPU file, and closing the fd first would only be deferred by the kernel).
 *
 * <p>Threading: {@link #run()} and the register calls belong to the one thread that drives this
 * vCPU (KVM serialises vCPU ioctls with a mutex, and a KVM_RUN from a second thread would just
 * block). {@link #stats()} may be read from any thread.
 */
public final class KvmVcpu implements AutoCloseable {
    private final int id;
    private final OwnedFd fd;
    private final Mapping run;
    private final KvmStatsFile stats;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private KvmVcpu(int id, OwnedFd fd, Mapping run, KvmStatsFile stats) {
        this.id = id;
        this.fd = fd;
        this.run = run;
        this.stats = stats;
    }

    /** Takes ownership of {@code fd}; on any failure here it is closed before the exception leaves. */
    static KvmVcpu adopt(OwnedFd fd, int id, long mmapSize, boolean wantStats) {
        Mapping run = null;
        try {
            run = Mapping.map(0, mmapSize, Mapping.PROT_READ | Mapping.PROT_WRITE, Mapping.MAP_SHARED, fd.get(), 0);
            KvmStatsFile stats = null;
            if (wantStats) {
                int statsFd = KvmSys.ioctl(fd.get(), KvmApi.GET_STATS_FD, 0, "KVM_GET_STATS_FD(vcpu " + id + ")");
                stats = KvmStatsFile.open(OwnedFd.adopt(statsFd, "kvm vcpu " + id + " stats"));
            }
            return new KvmVcpu(id, fd, run, stats);
        } catch (RuntimeException e) {
            if (run != null) {
                run.close();
            }
            fd.close();
            throw e;
        }
    }

    public int id() {
        return id;
    }

    public int fd() {
        return fd.get();
    }

    /** The {@code struct kvm_run} shared with the kernel; read it right after {@link #run()}. */
    public MemorySegment runStruct() {
        return run.segment();
    }

    /** The statistics file, if KVM_CAP_BINARY_STATS_FD was available. */
    public Optional<KvmStatsFile> stats() {
        return Optional.ofNullable(stats);
    }

    /** {@code KVM_SET_CPUID2} with a table as returned by {@link Kvm#supportedCpuid}. */
    public void setCpuid(MemorySegment cpuid2) {
        KvmSys.ioctl(fd.get(), KvmApi.SET_CPUID2, cpuid2, "KVM_SET_CPUID2");
    }

    public void getRegs(MemorySegment regs) {
        KvmSys.ioctl(fd.get(), KvmApi.GET_REGS, regs, "KVM_GET_REGS");
    }

    public void setRegs(MemorySegment regs) {
        KvmSys.ioctl(fd.get(), KvmApi.SET_REGS, regs, "KVM_SET_REGS");
    }

    public void getSregs(MemorySegment sregs) {
        KvmSys.ioctl(fd.get(), KvmApi.GET_SREGS, sregs, "KVM_GET_SREGS");
    }

    public void setSregs(MemorySegment sregs) {
        KvmSys.ioctl(fd.get(), KvmApi.SET_SREGS, sregs, "KVM_SET_SREGS");
    }

    /**
     * {@code KVM_RUN}: enters the guest and returns at the next exit to user space. Returns 0, or
     * {@code -errno} (EINTR when a signal arrived; the caller decides whether to re-enter).
     */
    public int run() {
        return KvmSys.ioctlRaw(fd.get(), KvmApi.RUN, MemorySegment.NULL);
    }

    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        if (stats != null) {
            stats.close();
        }
        run.close();
        fd.close();
    }
}
