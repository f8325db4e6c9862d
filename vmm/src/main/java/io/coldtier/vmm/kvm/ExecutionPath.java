package io.coldtier.vmm.kvm;

/**
 * How the guest's instructions were executed, judged from KVM's own counters.
 *
 * <p>kvm_pvm runs 64-bit CPL3 code natively and emulates everything else one instruction at a
 * time (kvm-guest.md). Every guest operation is about 30 instructions, and each report is exactly
 * one emulated instruction (the OUT). So: {@code insn_emulation - reports < ops / 100} means
 * native; an emulating hypervisor shows {@code insn_emulation} in the tens per operation.
 */
public enum ExecutionPath {
    /** Guest code runs on the CPU; only the reporting OUTs are emulated. */
    NATIVE,
    /** The KVM instruction emulator executes the guest (about 1 µs per instruction on kvm_pvm). */
    EMULATED,
    /** Too few operations yet, or no statistics fd. */
    UNKNOWN;

    /** Fewer operations than this give no verdict (init and the first report are not "ops"). */
    public static final long MIN_OPS = 10_000;

    /**
     * @param ops           guest operations done
     * @param reports       port-I/O exits the host saw (each is one emulated OUT)
     * @param insnEmulation the vCPUs' {@code insn_emulation} counters, summed
     */
    public static ExecutionPath classify(long ops, long reports, long insnEmulation) {
        if (insnEmulation < 0 || ops < MIN_OPS) {
            return UNKNOWN;
        }
        long beyondReports = Math.max(0, insnEmulation - reports);
        return beyondReports * 100 < ops ? NATIVE : EMULATED;
    }
}
