package io.coldtier.bench.peers;

import io.coldtier.bench.BenchHost;
import io.coldtier.bench.Report;
import io.coldtier.bench.TrackingBench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code coldtier bench peers}: one guest workload (same memory, pattern, seed, warm-up and timed phase) with no
 * tiering, under coldtier (embedded stack, zap backend, default policy; the guest hands its memory over like a VMM),
 * and under Linux kernel tiering (the guest in a memory cgroup, swap on zram0) first at the resident size coldtier
 * reached, then at each extra limit. Then coldtier's per-operation engine costs against a C floor in the same run,
 * and DAMON's working-set estimate where the kernel lets it be taken. Sets up and tears down zram0, the cgroups and
 * DAMON itself (try/finally plus a shutdown hook) and refuses to start if zram0 or swap on it is already in use.
 */
public final class PeersBench {
    /** Accesses slower than this are counted as refaults / swap-ins (the none row shows the noise floor). */
    static final long SLOW_NS = 2_000;
    /** Runs of one kernel-zram row before giving up when the memcg OOM killer kills the guest. */
    static final int MAX_ATTEMPTS = 3;
    static final int HOT_PERCENT = 10;
    /**
     * The kernel row at coldtier's resident size gets this much on top for the guest process's own memory (its
     * latency buffer, bitmaps, libc): what the cgroup charges besides guest memory.
     */
    static final long LIMIT_SLACK = 2L << 20;

    public record Options(Path out, long guestBytes, double seconds, double warmupSeconds, List<Integer> limitPercents,
                          double coldAccess, String policy, boolean quick) {
        public static Options of(Path out, String guestSize, Double seconds, Double warmup, List<Integer> limits,
                                 Double coldAccess, String policy, boolean quick) {
            long bytes = TrackingBench.parseSize(guestSize);
            if (bytes < (16L << 20)) {
                throw new IllegalArgumentException("--guest-size must be at least 16m");
            }
            for (int l : limits) {
                if (l <= 0 || l >= 100) {
                    throw new IllegalArgumentException("--limit must be a percentage in 1..99, got " + l);
                }
            }
            double cold = coldAccess != null ? coldAccess : 0.0001;
            if (!(cold >= 0 && cold <= 1)) {
                throw new IllegalArgumentException("--cold-access must be a fraction in 0..1, got " + coldAccess);
            }
            double s = seconds != null ? seconds : quick ? 6 : 20;
            double w = warmup != null ? warmup : quick ? 10 : 15;
            if (s <= 0 || w < 0) {
                throw new IllegalArgumentException("--seconds must be > 0 and --warmup >= 0");
            }
            return new Options(out, bytes, s, w, List.copyOf(limits), cold,
                    policy == null || policy.isBlank() ? ColdtierPeer.DEFAULT_POLICY : policy, quick);
        }

        PeerGuest.Params params() {
            return new PeerGuest.Params(guestBytes, seconds, warmupSeconds, HOT_PERCENT,
                    (int) Math.round((1 - coldAccess) * 1_000_000), SLOW_NS);
        }
    }

    private PeersBench() {}

    public static int run(PrintStream out, Options o) {
        if (BenchHost.userfaultfdMissing(System.err)) {
            return 2;
        }
        Resources res = new Resources();
        Thread cleanup = new Thread(res::closeAll, "bench-peers-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Path tmp = null;
        long t0 = System.nanoTime();
        try {
            tmp = Files.createTempDirectory("coldtier-peers");
            res.tmp = tmp;
            Path guest = PeerGuest.compile(tmp);
            PeerGuest.Params params = o.params();
            String machine = Report.machine() + " Load average at start: " + BenchHost.loadAverage() + ".";
            List<PeerRow> rows = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            String pid = Long.toString(ProcessHandle.current().pid());

            out.printf(Locale.ROOT, "[1/5] none: %s guest, %.0f s warm-up + %.0f s timed%n",
                    PeersReport.mib(o.guestBytes()), o.warmupSeconds(), o.seconds());
            AtomicReference<DamonProbe.Estimate> damon = new AtomicReference<>();
            AtomicReference<String> damonMissing = new AtomicReference<>();
            MemoryCgroup plain = res.openGroup(() -> MemoryCgroup.create("coldtier-peers-" + pid + "-none", -1));
            try {
                rows.add(runOne(guest, params, "none", -1, plain, null, new DamonHook(res, plain, damon, damonMissing,
                        out)));
            } finally {
                res.closeDamon();
                res.closeGroup();
            }

            out.printf(Locale.ROOT, "[2/5] coldtier: embedded broker, tier-store, evictor (%s), agent; the guest hands "
                    + "its memory over%n", o.policy());
            AtomicReference<ColdtierPeer.Extra> extra = new AtomicReference<>();
            PeerRow coldtier = ColdtierPeer.run(guest, params, Files.createDirectories(tmp.resolve("stack")),
                    o.policy(), extra);
            rows.add(coldtier);
            Sys.deleteTree(tmp.resolve("stack"));

            ZramSwap zram = res.openZram(() -> ZramSwap.open(2 * o.guestBytes()));
            String algorithm = zram.algorithm();
            String cgroupKind = "";
            List<Long> limits = new ArrayList<>();
            long equal = Math.min(o.guestBytes(), coldtier.residentBytes()) + LIMIT_SLACK;
            limits.add(equal);
            o.limitPercents().forEach(pct -> limits.add(o.guestBytes() * pct / 100));
            for (int i = 0; i < limits.size(); i++) {
                long limit = limits.get(i);
                out.printf(Locale.ROOT, "[3/5] kernel-zram: limit %s (%.0f %%)%s%n", PeersReport.mib(limit),
                        100.0 * limit / o.guestBytes(), i == 0 ? ", coldtier's resident size + 2 MiB" : "");
                for (int attempt = 1; ; attempt++) {
                    MemoryCgroup g = res.openGroup(() -> MemoryCgroup.create(
                            "coldtier-peers-" + pid + "-" + limit, limit));
                    cgroupKind = g.v2() ? "v2 (memory.max)" : "v1 (memory.limit_in_bytes)";
                    try {
                        rows.add(runOne(guest, params, "kernel-zram", limit, g, zram, null));
                        break;
                    } catch (PeerGuest.Died e) {
                        if (e.exitStatus != 137 || attempt >= MAX_ATTEMPTS) {
                            throw e;
                        }
                        String note = String.format(Locale.ROOT, "kernel-zram at %s: attempt %d killed (SIGKILL, "
                                + "memcg OOM kill with swap free; see dmesg), retried in a fresh cgroup.",
                                PeersReport.mib(limit), attempt);
                        out.println("  " + note);
                        notes.add(note);
                    } finally {
                        res.closeGroup();
                    }
                }
            }
            res.closeAll();

            out.println("[4/5] engine per-operation costs against the C floor");
            List<EngineFloor.FloorRow> floor = List.of();
            try {
                floor = EngineFloor.measure(Files.createDirectories(tmp.resolve("floor")),
                        o.quick() ? 64L << 20 : 256L << 20, o.quick(), out);
            } catch (Exception e) {
                notes.add("The C-floor table could not be measured: " + e.getMessage());
                out.println("  failed: " + e.getMessage());
            }

            out.println("[5/5] report");
            PeersReport.Input in = new PeersReport.Input(rows, o.guestBytes(), machine,
                    setup(o, params, algorithm, cgroupKind), extra.get(), floor, damon.get(), damonMissing.get(),
                    notes, (System.nanoTime() - t0) / 1e9);
            String md = PeersReport.markdown(in);
            out.println();
            out.print(md);
            Path outFile = o.out().toAbsolutePath();
            Files.createDirectories(outFile.getParent());
            Files.writeString(outFile, md);
            String base = outFile.getFileName().toString().replaceFirst("\\.md$", "");
            Path json = outFile.resolveSibling(base + ".json");
            Files.writeString(json, PeersReport.json(in));
            Path html = outFile.resolveSibling(base + ".html");
            Files.writeString(html, PeersReport.html(in));
            out.println("\nWrote " + outFile + ", " + json + " and " + html);
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
            Sys.deleteTree(tmp);
        }
    }

    /** Starts DAMON on the none row's cgroup once the guest is placed in it, and stops it at the end. */
    private record DamonHook(Resources res, MemoryCgroup group, AtomicReference<DamonProbe.Estimate> estimate,
                             AtomicReference<String> missing, PrintStream out) {
        void start() {
            try {
                // Aggregation = 1 s, the window of the guest's ground truth (distinct pages touched per second).
                res.openDamon(() -> DamonProbe.start(group.dir(), Duration.ofMillis(5), Duration.ofSeconds(1)));
            } catch (DamonProbe.Unavailable e) {
                missing.set(e.getMessage());
                out.println("  DAMON: " + e.getMessage());
            }
        }

        void stop() {
            DamonProbe p = res.damon();
            if (p != null) {
                try {
                    estimate.set(p.stop());
                } catch (RuntimeException e) {
                    missing.set(e.getMessage());
                }
            }
        }
    }

    /**
     * The zram swap, the current cgroup and DAMON, opened and closed under one lock: once {@link #closeAll()} has
     * run (end of run, failure, or the shutdown hook) nothing new can be opened, so a hook racing the main thread
     * cannot leave a cgroup, swap or a running kdamond behind.
     */
    private static final class Resources {
        private ZramSwap zram;
        private MemoryCgroup group;
        private DamonProbe damon;
        private boolean closed;
        private volatile Path tmp;

        interface Opener<T, E extends Exception> {
            T open() throws E;
        }

        private void checkOpen() {
            if (closed) {
                throw new IllegalStateException("shutting down");
            }
        }

        synchronized ZramSwap openZram(Opener<ZramSwap, RuntimeException> open) {
            checkOpen();
            zram = open.open();
            return zram;
        }

        synchronized MemoryCgroup openGroup(Opener<MemoryCgroup, RuntimeException> open) {
            checkOpen();
            group = open.open();
            return group;
        }

        synchronized void openDamon(Opener<DamonProbe, DamonProbe.Unavailable> open) throws DamonProbe.Unavailable {
            checkOpen();
            damon = open.open();
        }

        synchronized DamonProbe damon() {
            return damon;
        }

        synchronized void closeDamon() {
            if (damon != null) {
                DamonProbe d = damon;
                damon = null;
                d.close();
            }
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
            for (Runnable r : new Runnable[] {this::closeDamon, this::closeGroup}) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.err.println("cleanup: " + e.getMessage());
                }
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
            Sys.deleteTree(tmp);
        }
    }

    private static PeerRow runOne(Path guest, PeerGuest.Params params, String config, long limit, MemoryCgroup g,
                                  ZramSwap zram, DamonHook damon) throws IOException {
        KernelCounters before = KernelCounters.sample();
        AtomicReference<KernelCounters> delta = new AtomicReference<>();
        AtomicReference<ZramMmStat> mm = new AtomicReference<>(ZramMmStat.EMPTY);
        AtomicReference<MemoryCgroup.Usage> usage = new AtomicReference<>();
        Map<String, Long> f = PeerGuest.run(guest, params, null, pid -> {
            if (g != null) {
                g.addPid(pid);
            }
            if (damon != null) {
                damon.start();
            }
        }, () -> {
            delta.set(KernelCounters.sample().minus(before));
            if (damon != null) {
                damon.stop();
            }
            if (zram != null) {
                mm.set(zram.mmStat());
            }
            if (g != null) {
                usage.set(g.usage());
            }
        });
        if (usage.get() != null && limit > 0) {
            System.err.printf(Locale.ROOT, "  cgroup memory.stat: shmem %s, swap %s%n",
                    PeersReport.mib(usage.get().shmemBytes()), PeersReport.mib(usage.get().swapBytes()));
        }
        KernelCounters d = delta.get();
        String detail = zram == null ? "—" : "zram orig " + PeersReport.mib(mm.get().origDataSize()) + " / compr "
                + PeersReport.mib(mm.get().comprDataSize());
        return row(config, limit, f, d.pswpin(), d.kswapdCpuMs(), d.pswpout() * PeerRow.PAGE, detail, Double.NaN);
    }

    /** A row from the guest's figures and what the configuration measured around it. */
    static PeerRow row(String config, long limit, Map<String, Long> f, long tierReads, double machineryCpuMs,
                       long bytesWritten, String tierDetail, double estimatedWsPages) {
        return new PeerRow(config, limit, get(f, "resident_pages_mean") * PeerRow.PAGE,
                get(f, "resident_pages_end") * PeerRow.PAGE, get(f, "ops_per_s"), get(f, "slow"),
                get(f, "slow_p50_ns"), get(f, "slow_p99_ns"), tierReads, machineryCpuMs, get(f, "stime_ms"),
                bytesWritten, tierDetail, get(f, "ws_pages_mean"), get(f, "ws5_pages_mean"), estimatedWsPages, get(f, "slow_total_ms"),
                (get(f, "utime_ms") + get(f, "stime_ms")) / (double) get(f, "elapsed_ms"),
                new PeerRow.Probe(get(f, "probe_pages"), get(f, "probe_p50_ns"), get(f, "probe_p99_ns")),
                get(f, "warmup_ms") / 1000.0, get(f, "warmup_ops_per_s"));
    }

    static long get(Map<String, Long> figures, String key) {
        Long v = figures.get(key);
        if (v == null) {
            throw new IllegalStateException("peer_guest did not report " + key + ": " + figures);
        }
        return v;
    }

    private static String setup(Options o, PeerGuest.Params p, String algorithm, String cgroupKind) {
        return String.format(Locale.ROOT, """
                Guest: %s in one memfd mapped MAP_SHARED (as a VMM backs guest RAM; 4 KiB pages, THP off), each page \
                1 KiB pseudo-random and 3 KiB zero; %d %% of the pages take %.4f %% of the accesses, the other %.4f %% \
                go uniformly to any page; one timed 8-byte read-modify-write per access (CLOCK_MONOTONIC around it); \
                same seed every row; %.0f s warm-up, then %.0f s timed, in a child process (peer_guest.c, gcc at run \
                time). **coldtier**: embedded broker, tier-store (RocksDB), evictor (`%s`) and agent host in the \
                benchmark's JVM; the guest hands its uffd and memfd over (protocol v1) and serves the agent's zap \
                requests, as a VMM does; zap backend, 1 s cycles. **kernel-zram**: the guest in a memory cgroup %s \
                with the limit shown, swap on zram0 (%s, disksize = 2 x guest size, priority 100), set up and \
                removed by the benchmark; the first kernel row's limit is coldtier's mean resident size + 2 MiB for \
                the guest process's own memory. **resident** = guest pages in RAM by mincore(2) on the memfd mapping \
                (mean of 1 s samples over the timed phase). **refault / swap-in p50/p99** = percentiles of the \
                accesses slower than %d µs as the guest timed them (on the none row: the noise floor, interrupts and \
                preemption). **tier reads** = pswpin (kernel) or refaults resolved by coldtier's fault loop. \
                **machinery CPU** = kswapd utime+stime (kernel) or the benchmark JVM's CPU time (coldtier: agent, \
                evictor, tier-store and broker), both over warm-up + timed phase; **guest sys CPU** = the guest's \
                system time in the timed phase, where memcg direct reclaim and zram (de)compression are charged. \
                **written to tier** = pswpout x 4 KiB (kernel, from populate on) or the page content bytes the \
                tier-store stored (coldtier).""",
                PeersReport.mib(o.guestBytes()), p.hotPercent(), p.hotAccessPpm() / 1e4, 100 - p.hotAccessPpm() / 1e4,
                p.warmupSeconds(), p.seconds(), o.policy(), cgroupKind, algorithm, p.slowNs() / 1000);
    }
}
