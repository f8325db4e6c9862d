package io.coldtier.vmm.kvm;

/**
 * A vCPU left KVM_RUN in a way the guest program never asks for: a guest exception (with no IDT
 * every exception is a triple fault, reported as {@code KVM_EXIT_SHUTDOWN}), a failed VM entry, a
 * KVM internal error, or an ioctl error. The message carries the exit, rip (with the instruction
 * there when rip is in the program), the registers and the control registers.
 */
public class GuestFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int vcpu;
    private final String exit;
    private final long rip;

    public GuestFailedException(int vcpu, String exit, long rip, String detail) {
        super("vCPU " + vcpu + ": " + exit + " at rip=0x" + Long.toHexString(rip) + (detail.isEmpty() ? "" : "\n" + detail));
        this.vcpu = vcpu;
        this.exit = exit;
        this.rip = rip;
    }

    public GuestFailedException(int vcpu, String exit, Throwable cause) {
        super("vCPU " + vcpu + ": " + exit + ": " + cause.getMessage(), cause);
        this.vcpu = vcpu;
        this.exit = exit;
        this.rip = -1;
    }

    public int vcpu() {
        return vcpu;
    }

    /** The exit name ({@code KVM_EXIT_SHUTDOWN}) or the failing call. */
    public String exit() {
        return exit;
    }

    /** Guest rip at the exit, -1 when it could not be read. */
    public long rip() {
        return rip;
    }
}
