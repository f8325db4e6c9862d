package io.coldtier.vmm.kvm;

import io.coldtier.linux.Errno;
import io.coldtier.linux.NativeException;
import io.coldtier.vmm.kvm.internal.Kvm;
import io.coldtier.vmm.kvm.internal.KvmApi;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this machine can run a {@link KvmGuest}, and if not, why, in words a user can act on.
 *
 * @param usable     a guest can be started
 * @param reason     why not (empty when usable)
 * @param apiVersion KVM_GET_API_VERSION, -1 when /dev/kvm could not be opened
 * @param module     the loaded KVM backend: {@code kvm_pvm}, {@code kvm_intel}, {@code kvm_amd}, or
 *                   {@code unknown}
 * @param maxVcpus   KVM_CAP_MAX_VCPUS (0 when unknown)
 * @param statsFd    KVM_CAP_BINARY_STATS_FD: per-vCPU counters (and so the native/emulated
 *                   verdict) are available
 */
public record KvmProbe(boolean usable, String reason, int apiVersion, String module, int maxVcpus,
                       boolean statsFd) {

    /** Probes once: opens /dev/kvm, checks the API version and the capabilities the guest needs. */
    public static KvmProbe probe() {
        return probe(Kvm.DEV_KVM);
    }

    /** {@link #probe()} against another device node (tests). */
    static KvmProbe probe(Path device) {
        String module = loadedModule();
        if (!Files.exists(device)) {
            return no("no " + device + " (KVM module not loaded, or the device is not passed into this "
                    + "container)", -1, module);
        }
        Kvm opened;
        try {
            opened = Kvm.open(device);
        } catch (NativeException e) {
            String hint = e.errno() == Errno.EACCES || e.errno() == Errno.EPERM
                    ? " (run as root or join the group that owns " + device + ")" : "";
            return no(e.getMessage() + hint, -1, module);
        }
        try (Kvm kvm = opened) {
            int api = kvm.apiVersion();
            if (api != KvmApi.API_VERSION) {
                return no("KVM API version " + api + ", expected " + KvmApi.API_VERSION, api, module);
            }
            for (int cap : new int[] {KvmApi.CAP_USER_MEMORY, KvmApi.CAP_EXT_CPUID}) {
                if (kvm.checkExtension(cap) <= 0) {
                    return no("KVM lacks capability " + cap + (cap == KvmApi.CAP_USER_MEMORY
                            ? " (KVM_CAP_USER_MEMORY)" : " (KVM_CAP_EXT_CPUID)"), api, module);
                }
            }
            int maxVcpus = kvm.checkExtension(KvmApi.CAP_MAX_VCPUS);
            boolean stats = kvm.checkExtension(KvmApi.CAP_BINARY_STATS_FD) > 0;
            return new KvmProbe(true, "", api, module, maxVcpus, stats);
        } catch (NativeException e) {
            return no(e.getMessage(), -1, module);
        }
    }

    private static KvmProbe no(String reason, int api, String module) {
        return new KvmProbe(false, reason, api, module, 0, false);
    }

    /** Which backend provides /dev/kvm, from /sys/module. */
    static String loadedModule() {
        for (String m : new String[] {"kvm_pvm", "kvm_intel", "kvm_amd"}) {
            if (Files.isDirectory(Path.of("/sys/module", m))) {
                return m;
            }
        }
        return "unknown";
    }

    /** True on kvm_pvm, which runs only 64-bit CPL3 guest code natively (the layout this guest uses). */
    public boolean pvm() {
        return "kvm_pvm".equals(module);
    }

    /** One line for a log, e.g. {@code KVM usable: kvm_pvm, API 12, max 1024 vCPUs, stats fd}. */
    public String describe() {
        if (!usable) {
            return "KVM unusable: " + reason;
        }
        return "KVM usable: " + module + ", API " + apiVersion + ", max " + maxVcpus + " vCPUs"
                + (statsFd ? ", stats fd" : ", no stats fd (execution path unknown)")
                + (pvm() ? "; only 64-bit CPL3 guest code runs natively" : "");
    }
}
