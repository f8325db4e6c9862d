package io.coldtier.vmm.kvm.internal;

import io.coldtier.linux.Errno;
import io.coldtier.linux.NativeException;
import io.coldtier.linux.OwnedFd;
import io.coldtier.vmm.kvm.internal.struct.KvmStatsHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A KVM binary statistics file ({@code KVM_GET_STATS_FD}), owned. The header and descriptors are
 * parsed once at open (they are fixed for the life of the fd); {@link #read()} preads the data
 * block and returns every single-valued statistic by name. Histograms (size &gt; 1) are skipped.
 *
 * <p>Thread-safe: {@code pread} does not move a shared file offset, and each read uses its own
 * confined arena.
 */
public final class KvmStatsFile implements AutoCloseable {
    /** One scalar statistic: its name and byte offset inside the data block. */
    private record Stat(String name, long offset) {}

    private final OwnedFd fd;
    private final Stat[] stats;
    private final long dataOffset;
    private final long dataSize;

    private KvmStatsFile(OwnedFd fd, Stat[] stats, long dataOffset, long dataSize) {
        this.fd = fd;
        this.stats = stats;
        this.dataOffset = dataOffset;
        this.dataSize = dataSize;
    }

    /** Parses the header and descriptors; closes {@code fd} if they cannot be read. */
    static KvmStatsFile open(OwnedFd fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment header = a.allocate(KvmStatsHeader.LAYOUT);
            preadFully(fd, header, 0);
            int nameSize = KvmStatsHeader.nameSize(header);
            int num = KvmStatsHeader.numDesc(header);
            long descBytes = KvmStatsHeader.DESC_SIZE + nameSize;
            MemorySegment descs = a.allocate(descBytes * num, 8);
            preadFully(fd, descs, KvmStatsHeader.descOffset(header));
            Stat[] stats = new Stat[num];
            long dataSize = 0;
            int n = 0;
            for (int i = 0; i < num; i++) {
                MemorySegment d = descs.asSlice(i * descBytes, descBytes);
                int items = KvmStatsHeader.descSize(d);
                long offset = KvmStatsHeader.descOffset0(d);
                dataSize = Math.max(dataSize, offset + items * 8L);
                if (items == 1) {
                    stats[n++] = new Stat(d.getString(KvmStatsHeader.DESC_NAME_OFFSET), offset);
                }
            }
            return new KvmStatsFile(fd, Arrays.copyOf(stats, n), KvmStatsHeader.dataOffset(header), dataSize);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Every scalar statistic by name, in descriptor order. */
    public Map<String, Long> read() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(Math.max(8, dataSize), 8);
            preadFully(fd, data, dataOffset);
            Map<String, Long> out = new LinkedHashMap<>();
            for (Stat s : stats) {
                out.put(s.name(), KvmStatsHeader.value(data, s.offset()));
            }
            return Collections.unmodifiableMap(out);
        }
    }

    private static void preadFully(OwnedFd fd, MemorySegment buf, long offset) {
        long done = 0;
        while (done < buf.byteSize()) {
            long n = KvmSys.preadRaw(fd.get(), buf.asSlice(done), buf.byteSize() - done, offset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                throw new NativeException("pread(" + fd.what() + ")", n == 0 ? Errno.EIO : (int) -n,
                        n == 0 ? "short file at offset " + (offset + done) : null);
            }
            done += n;
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
