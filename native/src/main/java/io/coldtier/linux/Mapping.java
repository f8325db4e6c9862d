package io.coldtier.linux;

import io.coldtier.linux.internal.Syscalls;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code mmap(2)} region, owned: {@link #close()} unmaps it exactly once.
 *
 * <p>{@link #segment()} exposes the region for native calls (it is a zero-length-free
 * {@link MemorySegment} of the mapped size). Do not read or write it with plain Java accesses in
 * a JVM that also resolves this mapping's userfaultfd faults; use {@link Libc#memcpy}.
 */
public final class Mapping implements AutoCloseable {
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_HUGETLB = 0x40000;

    private final long address;
    private final long length;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Mapping(long address, long length) {
        this.address = address;
        this.length = length;
    }

    /** {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset)}. */
    public static Mapping shared(int fd, long length, long offset) {
        return map(0, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    }

    /** Anonymous private memory (e.g. to show that zap tracking refuses anon). */
    public static Mapping anonymous(long length) {
        return map(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }

    public static Mapping map(long hint, long length, int prot, int flags, int fd, long offset) {
        long addr = Syscalls.mmapRaw(hint, length, prot, flags, fd, offset);
        Syscalls.check("mmap(len=" + length + ", fd=" + fd + ")", addr);
        return new Mapping(addr, length);
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    /** The mapped bytes as a segment, for native calls and page-by-page slicing. */
    public MemorySegment segment() {
        ensureOpen();
        return MemorySegment.ofAddress(address).reinterpret(length);
    }

    /** {@code madvise(address + offset, len, advice)}. */
    public void madvise(long offset, long len, int advice) {
        ensureOpen();
        Madvise.madvise(address + offset, len, advice);
    }

    private void ensureOpen() {
        if (!open.get()) {
            throw new IllegalStateException("mapping at 0x" + Long.toHexString(address) + " is unmapped");
        }
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            Syscalls.munmapRaw(address, length);
        }
    }
}
