package io.coldtier.bench.peers;

import io.coldtier.bench.BenchHost;
import io.coldtier.bench.Report;
import io.coldtier.bench.TrackingBench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code coldtier bench peers}: the same guest workload with no tiering and under Linux kernel tiering (the guest
 * in a memory cgroup with a limit, swap on zram0), one row per limit. Sets up and tears down zram0 and the cgroups
 * itself (try/finally plus a shutdown hook) and refuses to start if zram0 or swap on it is already in use.
 * The coldtier row at equal resident size is not here yet (issue #8).
 */
public final class PeersBench {
    /** Accesses slower than this are counted as swap-ins (the baseline row shows the noise floor of the count). */
    static final long SLOW_NS = 2_000;
    /** Runs of one kernel-zram row before giving up when the memcg OOM killer kills the guest. */
    static final int MAX_ATTEMPTS = 3;

    public record Options(Path out, long guestBytes, double seconds, List<Integer> limitPercents) {
        public static Options of(Path out, String guestSize, Double seconds, List<Integer> limits, boolean quick) {
            long bytes = TrackingBench.parseSize(guestSize);
            if (bytes < (16L << 20)) {
                throw new IllegalArgumentException("--guest-size must be at least 16m");
            }
            for (int l : limits) {
                if (l <= 0 || l >= 100) {
                    throw new IllegalArgumentException("--limit must be a percentage in 1..99, got " + l);
                }
            }
            return new Options(out, bytes, seconds != null ? seconds : quick ? 6 : 20, List.copyOf(limits));
        }
    }

    private PeersBench() {}

    public static int run(PrintStream out, Options o) {
        Resources res = new Resources();
        Thread cleanup = new Thread(res::closeAll, "bench-peers-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("coldtier-peers");
            res.tmp = tmp;
            Path guest = PeerGuest.compile(tmp);
            PeerGuest.Params params = new PeerGuest.Params(o.guestBytes(), o.seconds(), 10, 90, SLOW_NS);
            String machine = Report.machine() + " Load average at start: " + BenchHost.loadAverage() + ".";
            List<PeerRow> rows = new ArrayList<>();
            List<String> notes = new ArrayList<>();

            out.printf(Locale.ROOT, "none: %s guest, %.0f s%n", PeersReport.mib(o.guestBytes()), o.seconds());
            rows.add(runOne(guest, params, "none", -1, null, null));

            ZramSwap zram = res.openZram(() -> ZramSwap.open(2 * o.guestBytes()));
            String algorithm = zram.algorithm();
            String cgroupKind = "";
            for (int pct : o.limitPercents()) {
                long limit = o.guestBytes() * pct / 100;
                out.printf(Locale.ROOT, "kernel-zram: limit %s (%d %%)%n", PeersReport.mib(limit), pct);
                for (int attempt = 1; ; attempt++) {
                    MemoryCgroup g = res.openGroup(() -> MemoryCgroup.create(
                            "coldtier-peers-" + ProcessHandle.current().pid() + "-" + pct, limit));
                    cgroupKind = g.v2() ? "v2 (memory.max)" : "v1 (memory.limit_in_bytes)";
                    try {
                        rows.add(runOne(guest, params, "kernel-zram", limit, g, zram));
                        break;
                    } catch (PeerGuest.Died e) {
                        if (e.exitStatus != 137 || attempt >= MAX_ATTEMPTS) {
                            throw e;
                        }
                        String note = String.format(Locale.ROOT, "kernel-zram at %d %%: attempt %d killed (SIGKILL, "
                                + "memcg OOM kill with swap free; see dmesg), retried in a fresh cgroup.", pct, attempt);
                        out.println("  " + note);
                        notes.add(note);
                    } finally {
                        res.closeGroup();
                    }
                }
            }
            res.closeAll();

            String setup = setup(o, params, algorithm, cgroupKind);
            String md = PeersReport.markdown(rows, o.guestBytes(), machine, setup);
            if (!notes.isEmpty()) {
                md += "\n" + String.join("\n", notes.stream().map(n -> "- " + n).toList()) + "\n";
            }
            out.println();
            out.print(md);
            Path outFile = o.out().toAbsolutePath();
            Files.createDirectories(outFile.getParent());
            Files.writeString(outFile, md);
            Path json = outFile.resolveSibling(outFile.getFileName().toString().replaceFirst("\\.md$", "") + ".json");
            Files.writeString(json, PeersReport.json(rows, o.guestBytes(), machine));
            out.println("\nWrote " + outFile + " and " + json);
            return 0;
        } catch (IOException | RuntimeException e) {
            System.err.println("bench peers failed: " + e);
            return 1;
        } finally {
            res.closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down; the hook runs closeAll again, which is idempotent
            }
            deleteTree(tmp);
        }
    }

    /**
     * The zram swap and the current cgroup, opened and closed under one lock: once {@link #closeAll()} has run
     * (end of run, failure, or the shutdown hook) nothing new can be opened, so a hook racing the main thread
     * cannot leave a cgroup or swap behind.
     */
    private static final class Resources {
        private ZramSwap zram;
        private MemoryCgroup group;
        private boolean closed;
        private volatile Path tmp;

        synchronized ZramSwap openZram(java.util.function.Supplier<ZramSwap> open) {
            if (closed) {
                throw new IllegalStateException("shutting down");
            }
            zram = open.get();
            return zram;
        }

        synchronized MemoryCgroup openGroup(java.util.function.Supplier<MemoryCgroup> open) {
            if (closed) {
                throw new IllegalStateException("shutting down");
            }
            group = open.get();
            return group;
        }

        synchronized void closeGroup() {
            if (group != null) {
                MemoryCgroup g = group;
                group = null;
                g.close();
            }
        }

        synchronized void closeAll() {
            closed = true;
            try {
                closeGroup();
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
            if (zram != null) {
                ZramSwap z = zram;
                zram = null;
                try {
                    z.close();
                } catch (RuntimeException e) {
                    System.err.println("cleanup: " + e.getMessage());
                }
            }
            deleteTree(tmp);
        }
    }

    private static PeerRow runOne(Path guest, PeerGuest.Params params, String config, long limit, MemoryCgroup g,
                                  ZramSwap zram) throws IOException {
        KernelCounters before = KernelCounters.sample();
        AtomicReference<KernelCounters> delta = new AtomicReference<>();
        AtomicReference<ZramMmStat> mm = new AtomicReference<>(ZramMmStat.EMPTY);
        AtomicReference<MemoryCgroup.Usage> usage = new AtomicReference<>();
        Map<String, Long> f = PeerGuest.run(guest, params, pid -> {
            if (g != null) {
                g.addPid(pid);
            }
        }, () -> {
            delta.set(KernelCounters.sample().minus(before));
            if (zram != null) {
                mm.set(zram.mmStat());
            }
            if (g != null) {
                usage.set(g.usage());
            }
        });
        if (usage.get() != null) {
            System.err.printf(Locale.ROOT, "  cgroup memory.stat: anon %s, swap %s%n",
                    PeersReport.mib(usage.get().anonBytes()), PeersReport.mib(usage.get().swapBytes()));
        }
        KernelCounters d = delta.get();
        return new PeerRow(config, limit, get(f, "vmrss_kb") * 1024, get(f, "vmswap_kb") * 1024,
                get(f, "ops_per_s"), get(f, "slow"), get(f, "slow_p50_ns"), get(f, "slow_p99_ns"), d.pswpin(),
                d.pswpout(), d.kswapdCpuMs(), get(f, "stime_ms"), zram == null ? -1 : mm.get().origDataSize(),
                zram == null ? -1 : mm.get().comprDataSize());
    }

    private static long get(Map<String, Long> figures, String key) {
        Long v = figures.get(key);
        if (v == null) {
            throw new IllegalStateException("peer_guest did not report " + key + ": " + figures);
        }
        return v;
    }

    private static String setup(Options o, PeerGuest.Params p, String algorithm, String cgroupKind) {
        return String.format(Locale.ROOT, """
                Guest: %s of anonymous memory (4 KiB pages, THP off), each page 1 KiB pseudo-random and 3 KiB zero; \
                %d %% of the pages take %d %% of the accesses (uniform otherwise); one 8-byte read-modify-write \
                per access, every access timed with CLOCK_MONOTONIC; %.0f s per configuration, in a child process \
                (peer_guest.c, built with gcc at run time). kernel-zram: the guest in a memory cgroup %s with \
                the limit shown, swap on zram0 (%s, disksize = 2 x guest size, priority 100), set up and removed by \
                the benchmark. "resident" is the guest's VmRSS at the end of the timed phase. "swap-in p50/p99" \
                are percentiles of the accesses slower than %d µs (a swap-in from zram is a major fault in the \
                access; on the none row the count is the noise floor: interrupts, preemption); pswpin counts \
                /proc/vmstat pswpin over the run. "kswapd CPU" is utime+stime of all kswapd threads over the run \
                (populate + timed phase); "guest sys CPU" is the guest's system time in the timed phase, where \
                memcg limit reclaim (direct reclaim, compression) and swap-in decompression are charged. \
                "written to tier" is pswpout x 4 KiB over the run; zram orig/compr are mm_stat orig_data_size and \
                compr_data_size at the end.""",
                PeersReport.mib(o.guestBytes()), p.hotPercent(), p.hotAccessPercent(), p.seconds(), cgroupKind,
                algorithm, p.slowNs() / 1000);
    }


    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }
}
