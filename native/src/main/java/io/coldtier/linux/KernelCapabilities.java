package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this kernel and process can do for coldtier, probed once: userfaultfd features and ioctls
 * (via a throw-away descriptor), privilege, huge pages, /dev/kvm, PAGEMAP_SCAN, and which tracking
 * backend works for which memory type, each "no" with its reason.
 */
public record KernelCapabilities(
        String kernelRelease,
        long features,
        List<String> featureNames,
        long apiIoctls,
        List<String> apiIoctlNames,
        List<Creation> creation,
        Privilege privilege,
        boolean pagemapScan,
        boolean pageIsAccessed,
        HugePages hugePages,
        Kvm kvm,
        List<BackendSupport> backends) {

    /** Whether one way of creating a uffd works here. */
    public record Creation(UffdOpenMode mode, boolean works, String detail) {}

    public record Privilege(boolean root, int unprivilegedUserfaultfd, boolean devUserfaultfdAccessible) {}

    /** Default huge page size and the pool; hugetlbfs memory needs {@code free > 0}. */
    public record HugePages(long pageSizeKb, long total, long free) {}

    public record Kvm(boolean present, boolean accessible, int apiVersion, String detail) {}

    static final long KVM_GET_API_VERSION = 0xAE00L;

    public boolean supports(TrackingBackend b, MemoryType m) {
        return support(b, m).available();
    }

    public BackendSupport support(TrackingBackend b, MemoryType m) {
        return backends.stream().filter(s -> s.backend() == b && s.memory() == m).findFirst().orElseThrow();
    }

    /** The preferred backend for {@code m}: rwp where it works, else zap, else none. */
    public Optional<TrackingBackend> preferred(MemoryType m) {
        if (supports(TrackingBackend.RWP, m)) {
            return Optional.of(TrackingBackend.RWP);
        }
        return supports(TrackingBackend.ZAP, m) ? Optional.of(TrackingBackend.ZAP) : Optional.empty();
    }

    /** Probes this machine (a few syscalls and /proc reads; call once). */
    public static KernelCapabilities probe() {
        List<Creation> creation = new ArrayList<>();
        UffdApi api = null;
        String fullUffdReason = null;
        for (UffdOpenMode mode : UffdOpenMode.values()) {
            try {
                UffdApi a = Userfaultfd.probe(mode);
                creation.add(new Creation(mode, true, "features=0x" + Long.toHexString(a.features())));
                if (api == null || mode != UffdOpenMode.SYSCALL_USER_MODE_ONLY) {
                    api = a;
                }
            } catch (NativeException e) {
                creation.add(new Creation(mode, false, e.getMessage()));
            }
        }
        boolean fullUffd = creation.stream().anyMatch(c -> c.works() && c.mode() != UffdOpenMode.SYSCALL_USER_MODE_ONLY);
        if (!fullUffd) {
            fullUffdReason = "no userfaultfd that also sees kernel-mode faults (KVM, GUP) can be created:"
                    + " needs root, vm.unprivileged_userfaultfd=1 or access to /dev/userfaultfd";
        }
        long features = api == null ? 0 : api.features();
        long ioctls = api == null ? 0 : api.ioctls();
        boolean scan = pagemapScanWorks(0);
        boolean accessed = scan && pagemapScanWorks(PagemapScan.PAGE_IS_ACCESSED);
        return new KernelCapabilities(readTrimmed("/proc/sys/kernel/osrelease").orElse("unknown"),
                features, UffdFeature.names(features), ioctls, UffdIoctl.names(ioctls), List.copyOf(creation),
                probePrivilege(), scan, accessed, probeHugePages(), probeKvm(),
                BackendDecision.decide(features, fullUffdReason, scan, accessed));
    }

    /** A PAGEMAP_SCAN of one page of our own stack with {@code extraCategory}; EINVAL/ENOTTY = no. */
    private static boolean pagemapScanWorks(long extraCategory) {
        try (PagemapScan s = PagemapScan.self(); Mapping probe = Mapping.anonymous(4096)) {
            s.scan(probe.address(), probe.address() + 4096,
                    PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT | extraCategory));
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOTTY) {
                return false;
            }
            throw e;
        }
    }

    private static Privilege probePrivilege() {
        boolean root = readTrimmed("/proc/self/status").map(s -> s.lines()
                .filter(l -> l.startsWith("Uid:")).findFirst()
                .map(l -> l.split("\\s+")[2].equals("0")).orElse(false)).orElse(false);
        int unpriv = readTrimmed("/proc/sys/vm/unprivileged_userfaultfd").map(Integer::parseInt).orElse(-1);
        int dev = Libc.openRaw(Userfaultfd.DEV_USERFAULTFD, Libc.O_RDWR);
        if (dev >= 0) {
            OwnedFd.adopt(dev, "/dev/userfaultfd").close();
        }
        return new Privilege(root, unpriv, dev >= 0);
    }

    private static HugePages probeHugePages() {
        String meminfo = readTrimmed("/proc/meminfo").orElse("");
        return new HugePages(meminfoValue(meminfo, "Hugepagesize"), meminfoValue(meminfo, "HugePages_Total"),
                meminfoValue(meminfo, "HugePages_Free"));
    }

    private static long meminfoValue(String meminfo, String key) {
        return meminfo.lines().filter(l -> l.startsWith(key + ":")).findFirst()
                .map(l -> Long.parseLong(l.substring(key.length() + 1).trim().split("\\s+")[0])).orElse(0L);
    }

    private static Kvm probeKvm() {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return new Kvm(false, false, 0, "/dev/kvm does not exist");
        }
        int fd = Libc.openRaw(dev, Libc.O_RDWR);
        if (fd < 0) {
            return new Kvm(true, false, 0, "open(/dev/kvm): " + Errno.name(-fd));
        }
        try (OwnedFd kvm = OwnedFd.adopt(fd, "/dev/kvm")) {
            int v = Syscalls.ioctlRaw(kvm.get(), KVM_GET_API_VERSION, MemorySegment.NULL);
            return v < 0 ? new Kvm(true, true, 0, "KVM_GET_API_VERSION: " + Errno.name(-v))
                    : new Kvm(true, true, v, "KVM API version " + v);
        }
    }

    private static Optional<String> readTrimmed(String path) {
        try {
            return Optional.of(Files.readString(Path.of(path)).trim());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
