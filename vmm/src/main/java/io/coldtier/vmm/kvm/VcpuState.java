package io.coldtier.vmm.kvm;

/** Where a vCPU is in its life. */
public enum VcpuState {
    /** In KVM_RUN, stamping its slice (no reports until this is done). */
    INITIALIZING,
    /** Running the access pattern. */
    RUNNING,
    /** Parked by the host at a report exit ({@link KvmGuest#pause}). */
    PAUSED,
    /** Ended at a report exit after {@link KvmGuest#requestStop}. */
    STOPPED,
    /** Ended by an unexpected exit (guest exception, KVM error); see {@link KvmGuest#failure()}. */
    FAILED;

    public boolean finished() {
        return this == STOPPED || this == FAILED;
    }
}
