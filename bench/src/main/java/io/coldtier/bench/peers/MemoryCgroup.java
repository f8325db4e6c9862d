package io.coldtier.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A child memory cgroup for the guest: v2 ({@code memory.max}, {@code memory.current}, {@code memory.swap.current})
 * when the unified hierarchy at /sys/fs/cgroup has the memory controller, else v1 ({@code memory.limit_in_bytes},
 * {@code memory.usage_in_bytes}, memory.stat {@code rss}/{@code swap}). {@link #close()} removes the group
 * (idempotent; the processes in it must have exited).
 */
final class MemoryCgroup implements AutoCloseable {
    private final Path dir;
    private final boolean v2;
    private boolean closed;

    private MemoryCgroup(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /** The hierarchy root for memory, from /proc/mounts: v2 if its cgroup.controllers lists memory. */
    static Path memoryRoot(String procMounts) {
        Path v1 = null;
        Path v2 = null;
        for (String line : procMounts.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 4) {
                continue;
            }
            if (f[2].equals("cgroup2") && v2 == null) {
                Path c = Path.of(f[1], "cgroup.controllers");
                if (Files.exists(c) && Sys.read(c).contains("memory")) {
                    v2 = Path.of(f[1]);
                }
            } else if (f[2].equals("cgroup") && v1 == null && java.util.List.of(f[3].split(",")).contains("memory")) {
                v1 = Path.of(f[1]);
            }
        }
        if (v2 != null) {
            return v2;
        }
        if (v1 != null) {
            return v1;
        }
        throw new IllegalStateException("no memory cgroup controller mounted");
    }

    static MemoryCgroup create(String name, long limitBytes) {
        Path root = memoryRoot(Sys.read(Path.of("/proc/mounts")));
        boolean v2 = Files.exists(root.resolve("cgroup.controllers"));
        Path dir = root.resolve(name);
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create cgroup " + dir + ": " + e.getMessage(), e);
        }
        MemoryCgroup g = new MemoryCgroup(dir, v2);
        try {
            if (limitBytes > 0) { // otherwise no limit: a group only to name the guest's memory (DAMON's filter)
                g.setLimit(limitBytes);
            }
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    boolean v2() {
        return v2;
    }

    void setLimit(long bytes) {
        Sys.write(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(bytes));
    }

    void addPid(long pid) {
        Sys.write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    long usageBytes() {
        return Long.parseLong(Sys.read(dir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")).strip());
    }

    /** Shared-memory (the guest's memfd) resident and swapped bytes of the group. */
    Usage usage() {
        Map<String, Long> stat = Sys.keyValues(Sys.read(dir.resolve("memory.stat")));
        if (v2) {
            Path swap = dir.resolve("memory.swap.current");
            long s = Files.exists(swap) ? Long.parseLong(Sys.read(swap).strip()) : -1;
            return Usage.fromStat(stat, true, s);
        }
        return Usage.fromStat(stat, false, -1);
    }

    /** Resident shmem and swap bytes from memory.stat (v1: shmem, swap; v2: shmem, plus memory.swap.current). */
    record Usage(long shmemBytes, long swapBytes) {
        static Usage fromStat(Map<String, Long> stat, boolean v2, long v2Swap) {
            long shmem = stat.getOrDefault("shmem", -1L);
            return new Usage(shmem, v2 ? v2Swap : stat.getOrDefault("swap", -1L));
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // rmdir(2): Files.delete on a cgroup directory removes the group; the kernel files inside are not real files.
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (attempt >= 50) {
                    throw new IllegalStateException("cannot remove cgroup " + dir + ": " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(100); // the guest may still be exiting
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted removing " + dir, ie);
                }
            }
        }
    }
}
