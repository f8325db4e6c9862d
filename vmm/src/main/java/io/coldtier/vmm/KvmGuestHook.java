package io.coldtier.vmm;

/**
 * HOOK(kvm): where {@code --guest kvm} plugs the KVM guest of {@code io.coldtier.vmm.kvm} into the reference VMM.
 * The VMM hands this the guest memory (a memfd mapping of {@link VmmConfig#guestSize()} bytes, a multiple of 2 MiB,
 * already handed over to the agent) and expects a running {@link Guest} back: an adapter over
 * {@code KvmGuest.start(memory.segment(), GuestProgram...)} with {@code stats()} for {@link Guest#progress()} and
 * {@code requestStop()}/{@code awaitFinished(...)} plus its own verification for {@link Guest#finish}. Until that
 * adapter is written, {@code --guest kvm} fails here with a clear message instead of running something else.
 */
final class KvmGuestHook {
    static final String KVM_GUEST_CLASS = "io.coldtier.vmm.kvm.KvmGuest";

    private KvmGuestHook() {}

    /** Fails (before the hand-over) if {@code --guest kvm} cannot run in this build or on this host. */
    static void check() {
        boolean present;
        try {
            Class.forName(KVM_GUEST_CLASS, false, KvmGuestHook.class.getClassLoader());
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        throw new UnsupportedOperationException("--guest kvm is not available yet: "
                + (present ? KVM_GUEST_CLASS + " is in this build but not wired into coldtier vmm (KvmGuestHook)"
                        : "this build has no " + KVM_GUEST_CLASS)
                + "; use --guest threads");
    }

    static Guest start(VmmMemory memory, VmmConfig config) {
        check();
        throw new AssertionError("unreachable: check() fails until the KVM guest is wired");
    }
}
