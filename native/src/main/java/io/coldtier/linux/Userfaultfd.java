package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;
import io.coldtier.linux.struct.UffdioApi;
import io.coldtier.linux.struct.UffdioContinue;
import io.coldtier.linux.struct.UffdioCopy;
import io.coldtier.linux.struct.UffdioMove;
import io.coldtier.linux.struct.UffdioPoison;
import io.coldtier.linux.struct.UffdioRange;
import io.coldtier.linux.struct.UffdioRegister;
import io.coldtier.linux.struct.UffdioRwprotect;
import io.coldtier.linux.struct.UffdioSetMode;
import io.coldtier.linux.struct.UffdioWriteprotect;
import io.coldtier.linux.struct.UffdioZeropage;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One userfaultfd, owned. Created with a negotiated feature set ({@link #open}) or adopted from a
 * descriptor another process handed over ({@link #adopt}).
 *
 * <p>Thread-safety: every ioctl is independent and may be issued from any thread; each call uses
 * its own confined arena for the argument struct. Reading messages is the job of one dedicated
 * thread ({@link UffdEventBuffer}).
 *
 * <p><b>Kernel hazard.</b> Never {@link #close()} or {@link #unregister} while any registered page
 * is evicted (hole-punched) or write-protected for a freeze: waiters wake onto zero pages and
 * writes are lost. Restore first (architecture.md invariants).
 */
public final class Userfaultfd implements AutoCloseable {
    public static final long UFFD_API = 0xAA;
    static final long SYS_USERFAULTFD = 323;
    static final int UFFD_USER_MODE_ONLY = 1;
    static final long FEATURE_INITIALIZED = 1L << 31;
    public static final Path DEV_USERFAULTFD = Path.of("/dev/userfaultfd");

    public static final long REGISTER_MODE_MISSING = 1L, REGISTER_MODE_WP = 1L << 1,
            REGISTER_MODE_MINOR = 1L << 2, REGISTER_MODE_RWP = 1L << 3;
    public static final long COPY_MODE_DONTWAKE = 1L, COPY_MODE_WP = 1L << 1;
    public static final long ZEROPAGE_MODE_DONTWAKE = 1L;
    public static final long WRITEPROTECT_MODE_WP = 1L, WRITEPROTECT_MODE_DONTWAKE = 1L << 1;
    public static final long CONTINUE_MODE_DONTWAKE = 1L, CONTINUE_MODE_WP = 1L << 1;
    public static final long POISON_MODE_DONTWAKE = 1L;
    public static final long MOVE_MODE_DONTWAKE = 1L, MOVE_MODE_ALLOW_SRC_HOLES = 1L << 1;
    public static final long RWPROTECT_MODE_RWP = 1L, RWPROTECT_MODE_DONTWAKE = 1L << 1;

    private static final String RWP_INSTEAD = "use the zap backend (MISSING|WP registration) on this kernel";

    /**
     * A per-thread argument block for the hot ioctls (COPY, ZEROPAGE, WAKE, WRITEPROTECT, …):
     * every uffd struct fits in 64 bytes, and a refault should not pay for creating and closing
     * an arena (the fault loop issues several ioctls per fault).
     */
    private static final ThreadLocal<MemorySegment> ARG =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(64, 8));

    private static MemorySegment arg(long size) {
        MemorySegment s = ARG.get().asSlice(0, size);
        s.fill((byte) 0);
        return s;
    }

    private final OwnedFd fd;
    private final UffdApi api;

    private Userfaultfd(OwnedFd fd, UffdApi api) {
        this.fd = fd;
        this.api = api;
    }

    /**
     * What the kernel offers, probed the safe way: a throw-away uffd, UFFDIO_API with features=0,
     * read the bits, close it. Requesting an unavailable feature would fail with EINVAL and leave
     * the uffd unusable (rwp-uapi.md §3.6), so the real descriptor only ever asks for bits seen here.
     */
    public static UffdApi probe(UffdOpenMode mode) {
        try (OwnedFd probe = create(mode)) {
            return negotiate(probe, 0);
        }
    }

    /**
     * Opens a userfaultfd and enables {@code required} plus whatever of {@code optional} exists.
     *
     * @throws MissingKernelFeatureException if a required bit is absent (naming it)
     */
    public static Userfaultfd open(UffdOpenMode mode, long required, long optional) {
        UffdApi offered = probe(mode);
        long missing = required & ~offered.features();
        if (missing != 0) {
            throw new MissingKernelFeatureException("userfaultfd with " + UffdFeature.describe(required),
                    missing, offered.features(), (missing & (UffdFeature.RWP | UffdFeature.RWP_ASYNC)) != 0
                            ? RWP_INSTEAD : null);
        }
        OwnedFd fd = create(mode);
        try {
            long want = required | (optional & offered.features());
            UffdApi got = negotiate(fd, want);
            // The kernel echoes every bit it supports; what is enabled is what we asked for.
            return new Userfaultfd(fd, new UffdApi(want, got.ioctls()));
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Adopts a uffd on which UFFDIO_API was already done (e.g. received over SCM_RIGHTS). The
     * negotiated features are read from {@code /proc/self/fdinfo/<fd>} ("API:\t aa:features:ioctls"),
     * because a second UFFDIO_API on the same descriptor fails.
     */
    public static Userfaultfd adopt(OwnedFd fd) {
        return new Userfaultfd(fd, readFdinfo(fd.get()));
    }

    static UffdApi readFdinfo(int fd) {
        String info;
        try {
            info = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read fdinfo of fd " + fd + ": " + e.getMessage(), e);
        }
        Matcher m = Pattern.compile("(?m)^API:\\s*([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)").matcher(info);
        if (!m.find()) {
            throw new IllegalArgumentException("fd " + fd + " is not a userfaultfd (no API line in fdinfo)");
        }
        // fdinfo shows ctx->features raw, including the kernel-internal UFFD_FEATURE_INITIALIZED
        // (1U << 31, fs/userfaultfd.c) that marks "UFFDIO_API done"; it is not a UAPI feature.
        long features = Long.parseUnsignedLong(m.group(2), 16) & ~FEATURE_INITIALIZED;
        return new UffdApi(features, Long.parseUnsignedLong(m.group(3), 16));
    }

    private static OwnedFd create(UffdOpenMode mode) {
        int flags = Libc.O_CLOEXEC | Libc.O_NONBLOCK;
        return switch (mode) {
            case SYSCALL -> adoptRaw(Syscalls.syscallRaw(SYS_USERFAULTFD, flags, 0, 0), "userfaultfd(2)");
            case SYSCALL_USER_MODE_ONLY -> adoptRaw(
                    Syscalls.syscallRaw(SYS_USERFAULTFD, flags | UFFD_USER_MODE_ONLY, 0, 0),
                    "userfaultfd(2, UFFD_USER_MODE_ONLY)");
            case DEV_USERFAULTFD -> {
                try (OwnedFd dev = Libc.open(DEV_USERFAULTFD, Libc.O_RDWR)) {
                    // USERFAULTFD_IOC_NEW takes the flags by value, not by pointer.
                    int rc = Syscalls.ioctlRaw(dev.get(), UffdIoctl.USERFAULTFD_IOC_NEW, MemorySegment.ofAddress(flags));
                    yield adoptRaw(rc, "ioctl(USERFAULTFD_IOC_NEW)");
                }
            }
        };
    }

    private static OwnedFd adoptRaw(long rc, String call) {
        Syscalls.check(call, rc);
        return OwnedFd.adopt((int) rc, "userfaultfd");
    }

    private static UffdApi negotiate(OwnedFd fd, long features) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = UffdioApi.allocate(a);
            UffdioApi.api(s, UFFD_API);
            UffdioApi.features(s, features);
            Syscalls.ioctl(fd.get(), UffdIoctl.API, s, "UFFDIO_API");
            return new UffdApi(UffdioApi.features(s), UffdioApi.ioctls(s));
        }
    }

    public int fd() {
        return fd.get();
    }

    /** The features enabled on this descriptor and the API-level ioctls. */
    public UffdApi api() {
        return api;
    }

    /**
     * UFFDIO_REGISTER: returns the ioctls allowed on the range (a UffdIoctl bitmask).
     *
     * @throws MissingKernelFeatureException for MODE_RWP when RWP was not negotiated
     */
    public long register(long start, long len, long mode) {
        if ((mode & REGISTER_MODE_RWP) != 0) {
            requireRwp("UFFDIO_REGISTER(MODE_RWP)", UffdFeature.RWP);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = UffdioRegister.allocate(a);
            UffdioRegister.start(s, start);
            UffdioRegister.len(s, len);
            UffdioRegister.mode(s, mode);
            Syscalls.ioctl(fd.get(), UffdIoctl.REGISTER, s, "UFFDIO_REGISTER");
            return UffdioRegister.ioctls(s);
        }
    }

    /** UFFDIO_UNREGISTER. Only with nothing evicted or frozen in the range (class doc). */
    public void unregister(long start, long len) {
        rangeIoctl(UffdIoctl.UNREGISTER, "UFFDIO_UNREGISTER", start, len);
    }

    /** UFFDIO_WAKE: wakes threads blocked on faults in the range; they retry their access. */
    public void wake(long start, long len) {
        rangeIoctl(UffdIoctl.WAKE, "UFFDIO_WAKE", start, len);
    }

    private void rangeIoctl(long request, String name, long start, long len) {
        {
            MemorySegment s = arg(UffdioRange.SIZE);
            UffdioRange.start(s, start);
            UffdioRange.len(s, len);
            Syscalls.ioctl(fd.get(), request, s, name);
        }
    }

    /** UFFDIO_COPY {@code len} bytes from {@code src} to the registered {@code dst}. */
    public CopyOutcome copy(long dst, long src, long len, long mode) {
        {
            MemorySegment s = arg(UffdioCopy.SIZE);
            UffdioCopy.dst(s, dst);
            UffdioCopy.src(s, src);
            UffdioCopy.len(s, len);
            UffdioCopy.mode(s, mode);
            int rc = Syscalls.ioctlRaw(fd.get(), UffdIoctl.COPY, s);
            return outcome("UFFDIO_COPY", rc, UffdioCopy.copy(s), len);
        }
    }

    /** UFFDIO_ZEROPAGE: maps zero pages (for pages recorded as all-zero). */
    public CopyOutcome zeropage(long start, long len, long mode) {
        {
            MemorySegment s = arg(UffdioZeropage.SIZE);
            UffdioZeropage.start(s, start);
            UffdioZeropage.len(s, len);
            UffdioZeropage.mode(s, mode);
            int rc = Syscalls.ioctlRaw(fd.get(), UffdIoctl.ZEROPAGE, s);
            return outcome("UFFDIO_ZEROPAGE", rc, UffdioZeropage.zeropage(s), len);
        }
    }

    /** UFFDIO_CONTINUE: maps the page-cache page for a MINOR fault; MODE_WP keeps it protected. */
    public CopyOutcome continueMapping(long start, long len, long mode) {
        {
            MemorySegment s = arg(UffdioContinue.SIZE);
            UffdioContinue.start(s, start);
            UffdioContinue.len(s, len);
            UffdioContinue.mode(s, mode);
            int rc = Syscalls.ioctlRaw(fd.get(), UffdIoctl.CONTINUE, s);
            return outcome("UFFDIO_CONTINUE", rc, UffdioContinue.mapped(s), len);
        }
    }

    /** UFFDIO_POISON: later accesses get SIGBUS; used for pages whose stored copy is corrupt. */
    public CopyOutcome poison(long start, long len, long mode) {
        {
            MemorySegment s = arg(UffdioPoison.SIZE);
            UffdioPoison.start(s, start);
            UffdioPoison.len(s, len);
            UffdioPoison.mode(s, mode);
            int rc = Syscalls.ioctlRaw(fd.get(), UffdIoctl.POISON, s);
            return outcome("UFFDIO_POISON", rc, UffdioPoison.updated(s), len);
        }
    }

    /** UFFDIO_MOVE (anonymous memory only): moves pages from {@code src} to {@code dst}. */
    public CopyOutcome move(long dst, long src, long len, long mode) {
        {
            MemorySegment s = arg(UffdioMove.SIZE);
            UffdioMove.dst(s, dst);
            UffdioMove.src(s, src);
            UffdioMove.len(s, len);
            UffdioMove.mode(s, mode);
            int rc = Syscalls.ioctlRaw(fd.get(), UffdIoctl.MOVE, s);
            return outcome("UFFDIO_MOVE", rc, UffdioMove.move(s), len);
        }
    }

    /**
     * Maps a fill ioctl's result. Both the return value and the signed count field are checked:
     * on failure the field holds -errno or, after a partial fill, the bytes done.
     */
    private static CopyOutcome outcome(String name, int rc, long field, long len) {
        if (rc == 0) {
            return new CopyOutcome.Copied(field > 0 ? field : len);
        }
        int errno = -rc;
        return switch (errno) {
            case Errno.EEXIST -> CopyOutcome.ALREADY_PRESENT;
            case Errno.EAGAIN -> new CopyOutcome.RetryLater(Math.max(0, field));
            default -> throw new NativeException("ioctl(" + name + ")", errno,
                    field < 0 && field != rc ? "kernel reported " + Errno.name((int) -field) : null);
        };
    }

    /**
     * UFFDIO_WRITEPROTECT: {@code protect} installs uffd-wp (markers on non-present shmem pages),
     * clearing it wakes writers unless {@code dontWake}.
     */
    public void writeProtect(long start, long len, boolean protect, boolean dontWake) {
        {
            MemorySegment s = arg(UffdioWriteprotect.SIZE);
            UffdioWriteprotect.start(s, start);
            UffdioWriteprotect.len(s, len);
            UffdioWriteprotect.mode(s, (protect ? WRITEPROTECT_MODE_WP : 0) | (dontWake ? WRITEPROTECT_MODE_DONTWAKE : 0));
            Syscalls.ioctl(fd.get(), UffdIoctl.WRITEPROTECT, s, "UFFDIO_WRITEPROTECT");
        }
    }

    /**
     * UFFDIO_RWPROTECT (RWP series): MODE_RWP arms read-write protection, mode 0 resolves a trap.
     *
     * @throws MissingKernelFeatureException unless UFFD_FEATURE_RWP was negotiated
     */
    public void rwProtect(long start, long len, long mode) {
        requireRwp("UFFDIO_RWPROTECT", UffdFeature.RWP);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = UffdioRwprotect.allocate(a);
            UffdioRwprotect.start(s, start);
            UffdioRwprotect.len(s, len);
            UffdioRwprotect.mode(s, mode);
            Syscalls.ioctl(fd.get(), UffdIoctl.RWPROTECT, s, "UFFDIO_RWPROTECT");
        }
    }

    /**
     * UFFDIO_SET_MODE (RWP series): toggles UFFD_FEATURE_RWP_ASYNC; disabling it is the freeze.
     *
     * @throws MissingKernelFeatureException unless UFFD_FEATURE_RWP was negotiated
     */
    public void setMode(long enable, long disable) {
        requireRwp("UFFDIO_SET_MODE", UffdFeature.RWP);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = UffdioSetMode.allocate(a);
            UffdioSetMode.enable(s, enable);
            UffdioSetMode.disable(s, disable);
            Syscalls.ioctl(fd.get(), UffdIoctl.SET_MODE, s, "UFFDIO_SET_MODE");
        }
    }

    private void requireRwp(String operation, long bits) {
        if ((api.features() & bits) != bits) {
            throw new MissingKernelFeatureException(operation, bits & ~api.features(),
                    api.features(), RWP_INSTEAD);
        }
    }

    /**
     * Reads up to {@code into.capacity()} messages without blocking. Returns the count; 0 when
     * none are queued (EAGAIN) or the read was interrupted (EINTR).
     */
    public int read(UffdEventBuffer into) {
        long n = Libc.readRaw(fd.get(), into.segment(), into.segment().byteSize());
        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            into.filled(0);
            return 0;
        }
        Syscalls.check("read(userfaultfd)", n);
        int count = (int) (n / UffdEventBuffer.MSG_SIZE);
        into.filled(count);
        return count;
    }

    /**
     * Waits up to {@code timeoutMs} (-1 = forever) for messages, then reads a batch. Returns the
     * count, 0 on timeout. The blocking happens in poll(2), in native state.
     */
    public int readBlocking(UffdEventBuffer into, int timeoutMs) {
        if (!Poll.readable(fd.get(), timeoutMs)) {
            into.filled(0);
            return 0;
        }
        return read(into);
    }

    @Override
    public void close() {
        fd.close();
    }

    public boolean isOpen() {
        return fd.isOpen();
    }
}
