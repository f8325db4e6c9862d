package io.coldtier.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DAMON's working-set estimate for the guest's memory cgroup (issue #8, {@code coldtier bench peers}).
 *
 * <p>Two modes, chosen by what the machine allows:
 * <ul>
 * <li><b>own</b> (nr_kdamonds is 0): one kdamond, paddr operations over every System RAM range of /proc/iomem,
 * one DAMOS "stat" scheme for regions with nr_accesses &ge; 1 per aggregation interval and one ops filter
 * "memcg" (allow, memcg_path = the cgroup's path inside its hierarchy, v1 or v2) so that
 * {@code stats/sz_ops_filter_passed} counts only the cgroup's bytes in accessed regions. Polled via
 * {@code state} = {@code update_schemes_stats}; each sample is the increase per aggregation interval.</li>
 * <li><b>passive</b> (a kdamond is already running, e.g. one started by the VM's init: the sysfs interface then
 * refuses any change of nr_kdamonds with EBUSY, and allows only one context per kdamond): the running paddr
 * kdamond is not touched; its {@code damon:damon_aggregated} trace events (every region, every aggregation
 * interval) are read from a private tracefs instance, and each region is attributed to the cgroup by the physical
 * frames of the cgroup's processes' anonymous and memfd memory (/proc/PID/pagemap, root sees PFNs). A sample is the cgroup's
 * resident bytes inside regions with nr_accesses &ge; 1 in that aggregation. Its intervals are the running
 * kdamond's, not the requested ones, and only frames inside its monitored regions can be seen.</li>
 * </ul>
 * Both modes judge accesses per DAMON region, not per page: when the cgroup's frames are interleaved with other
 * memory (on the test VM the 512 MiB guest sat in ~15k physical runs, median 6 pages, over ~4 GiB of regions),
 * a region's one sampled page is usually not the cgroup's, and every cgroup page in a region is counted as
 * accessed or not together. The own mode was not exercised on the test VM (a kdamond was already running there).
 * {@link #close()} is idempotent and leaves the machine as found (own kdamond off and nr_kdamonds restored;
 * tracefs instance removed and tracefs unmounted if this probe mounted it).
 */
final class DamonProbe implements AutoCloseable {
    static final Path ADMIN = Path.of("/sys/kernel/mm/damon/admin");
    static final Path KDAMONDS = ADMIN.resolve("kdamonds");
    private static final long PAGE = 4096;

    /** DAMON cannot give a per-cgroup estimate here; the message names the missing file or feature. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * One aggregation interval. accessedBytes: the estimate for this interval; monitoredBytes: the cgroup's
     * resident bytes inside DAMON's regions; residentBytes: the cgroup's resident anonymous bytes; coveringBytes:
     * total size of the regions holding any of the cgroup's pages (&gt; monitoredBytes when regions mix the
     * cgroup's frames with other memory); accessFraction: mean nr_accesses / (aggregation / sampling) over the
     * cgroup's pages. -1 where a mode cannot tell.
     */
    record Sample(long tMillis, long accessedBytes, long monitoredBytes, long residentBytes, long coveringBytes,
                  int regions, double accessFraction) {}

    /**
     * workingSetBytes: median of the samples' accessedBytes (the first sample, which may include the guest's
     * allocation, is skipped when there are others); -1 when no aggregation interval completed.
     */
    record Estimate(long workingSetBytes, List<Sample> samples, String method, long setupMillis, long teardownMillis,
                    long aggregationMillis) {}

    private final Mode mode;
    private final long t0 = System.nanoTime();
    private final long setupMillis;
    private final List<Sample> samples = new ArrayList<>();
    private boolean closed;
    private long teardownMillis = -1;

    private DamonProbe(Mode mode, long setupNanos) {
        this.mode = mode;
        this.setupMillis = setupNanos / 1_000_000;
    }

    private interface Mode {
        void stopSampling(List<Sample> out, long t0);

        void cleanup();

        String method();

        /** DAMON's aggregation interval: the window of one sample. */
        long aggregationMillis();
    }

    static DamonProbe start(Path cgroupDir, Duration sampling, Duration aggregation) throws Unavailable {
        long s = System.nanoTime();
        if (!Files.isDirectory(KDAMONDS)) {
            throw new Unavailable(KDAMONDS + " missing: kernel built without CONFIG_DAMON_SYSFS (or DAMON)");
        }
        if (!Files.isDirectory(cgroupDir) || !Files.exists(cgroupDir.resolve("cgroup.procs"))) {
            throw new Unavailable("not a cgroup directory: " + cgroupDir);
        }
        int nr = Integer.parseInt(Sys.read(KDAMONDS.resolve("nr_kdamonds")).strip());
        Mode m;
        if (nr == 0) {
            m = Own.start(cgroupDir, sampling, aggregation);
        } else {
            List<String> running = new ArrayList<>();
            for (int i = 0; i < nr; i++) {
                Path k = KDAMONDS.resolve(Integer.toString(i));
                if (Sys.read(k.resolve("state")).strip().equals("on")) {
                    running.add(i + " (pid " + Sys.read(k.resolve("pid")).strip() + ")");
                }
            }
            if (running.isEmpty()) {
                throw new Unavailable("nr_kdamonds is " + nr + " with all kdamonds off: someone else's configuration;"
                        + " writing nr_kdamonds would delete it, so not touched");
            }
            m = Passive.start(cgroupDir, nr, running);
        }
        return new DamonProbe(m, System.nanoTime() - s);
    }

    synchronized Estimate stop() {
        if (!closed) {
            mode.stopSampling(samples, t0);
            close();
        }
        List<Sample> use = samples.size() > 1 ? samples.subList(1, samples.size()) : samples;
        long[] v = use.stream().mapToLong(Sample::accessedBytes).sorted().toArray();
        long median = v.length == 0 ? -1 : v[v.length / 2];
        return new Estimate(median, List.copyOf(samples), mode.method(), setupMillis, teardownMillis,
                mode.aggregationMillis());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long s = System.nanoTime();
        mode.cleanup();
        teardownMillis = (System.nanoTime() - s) / 1_000_000;
    }

    // ---------------------------------------------------------------------------------------------------------
    // own kdamond: paddr + DAMOS stat + memcg ops filter (only possible when nr_kdamonds is 0)

    private static final class Own implements Mode {
        private final Path k = KDAMONDS.resolve("0");
        private final Path scheme = k.resolve("contexts/0/schemes/0");
        private final long aggrUs;
        private final String memcgPath;
        private final Thread poller;
        private final List<Sample> buf = new ArrayList<>();
        private volatile boolean stop;
        private long t0;

        private Own(long aggrUs, String memcgPath) {
            this.aggrUs = aggrUs;
            this.memcgPath = memcgPath;
            this.poller = new Thread(this::poll, "damon-probe-stats");
            this.poller.setDaemon(true);
        }

        static Own start(Path cgroupDir, Duration sampling, Duration aggregation) throws Unavailable {
            long sampleUs = sampling.toNanos() / 1000, aggrUs = aggregation.toNanos() / 1000;
            String memcgPath = "/" + hierarchyRoot(cgroupDir).relativize(cgroupDir);
            Own o = new Own(aggrUs, memcgPath);
            try {
                Sys.write(KDAMONDS.resolve("nr_kdamonds"), "1");
            } catch (IllegalStateException e) {
                throw new Unavailable("cannot create a kdamond: " + e.getMessage());
            }
            try {
                Path ctx = o.k.resolve("contexts");
                Sys.write(ctx.resolve("nr_contexts"), "1");
                Path c = ctx.resolve("0");
                String avail = Sys.read(c.resolve("avail_operations")).strip();
                if (!List.of(avail.split("\\s+")).contains("paddr")) {
                    throw new Unavailable("paddr operations not built: " + c.resolve("avail_operations")
                            + " lists '" + avail + "'");
                }
                Sys.write(c.resolve("operations"), "paddr");
                Path iv = c.resolve("monitoring_attrs/intervals");
                Sys.write(iv.resolve("sample_us"), Long.toString(sampleUs));
                Sys.write(iv.resolve("aggr_us"), Long.toString(aggrUs));
                Sys.write(iv.resolve("update_us"), Long.toString(Math.max(aggrUs, 1_000_000)));
                Sys.write(c.resolve("monitoring_attrs/nr_regions/min"), "1000");
                Sys.write(c.resolve("monitoring_attrs/nr_regions/max"), "10000");
                Sys.write(c.resolve("targets/nr_targets"), "1");
                List<long[]> ram = systemRam();
                Path regs = c.resolve("targets/0/regions");
                Sys.write(regs.resolve("nr_regions"), Integer.toString(ram.size()));
                for (int i = 0; i < ram.size(); i++) {
                    Sys.write(regs.resolve(i + "/start"), Long.toString(ram.get(i)[0]));
                    Sys.write(regs.resolve(i + "/end"), Long.toString(ram.get(i)[1]));
                }
                Sys.write(c.resolve("schemes/nr_schemes"), "1");
                Path sc = o.scheme;
                Sys.write(sc.resolve("action"), "stat");
                Sys.write(sc.resolve("access_pattern/nr_accesses/min"), "1");
                Sys.write(sc.resolve("access_pattern/nr_accesses/max"), Long.toString(Math.max(1, aggrUs / sampleUs)));
                Path filters = sc.resolve("ops_filters");
                if (!Files.isDirectory(filters)) {
                    filters = sc.resolve("filters"); // before 6.15: one filters directory
                }
                Sys.write(filters.resolve("nr_filters"), "1");
                Sys.write(filters.resolve("0/type"), "memcg");
                Sys.write(filters.resolve("0/memcg_path"), memcgPath);
                Sys.write(filters.resolve("0/matching"), "Y");
                Path allow = filters.resolve("0/allow");
                if (Files.exists(allow)) {
                    Sys.write(allow, "Y"); // last filter allows: everything else is rejected (6.14+)
                }
                if (!Files.exists(sc.resolve("stats/sz_ops_filter_passed"))) {
                    throw new Unavailable(sc.resolve("stats/sz_ops_filter_passed") + " missing (kernel before 6.14)");
                }
                try {
                    Sys.write(o.k.resolve("state"), "on");
                } catch (IllegalStateException e) {
                    throw new Unavailable("kdamond would not start (state=on): " + e.getMessage()
                            + " (EINVAL here usually means memcg_path '" + memcgPath + "' was not found)");
                }
            } catch (Unavailable e) {
                o.cleanup();
                throw e;
            } catch (RuntimeException e) {
                o.cleanup();
                throw new Unavailable("DAMON setup failed: " + e.getMessage());
            }
            o.t0 = System.nanoTime();
            o.poller.start();
            return o;
        }

        private long stat(String name) {
            return Long.parseLong(Sys.read(scheme.resolve("stats/" + name)).strip());
        }

        private void poll() {
            long prevPassed = 0, prevT = System.nanoTime();
            boolean first = true;
            while (!stop) {
                try {
                    Thread.sleep(Math.max(100, aggrUs / 1000));
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Sys.write(k.resolve("state"), "update_schemes_stats");
                    long passed = stat("sz_ops_filter_passed");
                    long now = System.nanoTime();
                    if (!first) {
                        double perAggr = (passed - prevPassed) * (aggrUs * 1000.0) / (now - prevT);
                        synchronized (buf) {
                            buf.add(new Sample((now - t0) / 1_000_000, Math.round(perAggr), -1, -1, -1, -1, -1));
                        }
                    }
                    first = false;
                    prevPassed = passed;
                    prevT = now;
                } catch (RuntimeException e) {
                    return;
                }
            }
        }

        @Override
        public void stopSampling(List<Sample> out, long ignored) {
            stop = true;
            poller.interrupt();
            try {
                poller.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                out.addAll(buf);
            }
        }

        @Override
        public void cleanup() {
            stop = true;
            poller.interrupt();
            try {
                if (Files.exists(k.resolve("state")) && Sys.read(k.resolve("state")).strip().equals("on")) {
                    Sys.write(k.resolve("state"), "off");
                }
                for (int i = 0; i < 100 && Sys.read(k.resolve("state")).strip().equals("on"); i++) {
                    Thread.sleep(20);
                }
            } catch (RuntimeException | InterruptedException ignored) {
                // still restore nr_kdamonds below
            }
            Sys.write(KDAMONDS.resolve("nr_kdamonds"), "0");
        }

        @Override
        public long aggregationMillis() {
            return aggrUs / 1000;
        }

        @Override
        public String method() {
            return "own kdamond, paddr over System RAM, DAMOS stat on nr_accesses>=1 per " + aggrUs / 1000
                    + " ms aggregation, ops filter memcg " + memcgPath + ": stats/sz_ops_filter_passed per interval";
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // passive: trace events of an already running paddr kdamond, attributed through the cgroup's pagemap

    private static final class Passive implements Mode {
        private static final Pattern EVENT = Pattern.compile(
                "-(\\d+)\\s+\\[.*damon_aggregated: target_id=(\\d+) nr_regions=(\\d+) (\\d+)-(\\d+): (\\d+) (\\d+)");
        private final Path cgroupDir;
        private final Path tracefs;
        private final boolean mounted;
        private final Path instance;
        private final String describe;
        private final int maxAccesses;
        private final long aggrMillis;
        private final Thread reader;
        private final List<Sample> buf = new ArrayList<>();
        private volatile boolean stop;
        private volatile String readerError;
        private long t0 = System.nanoTime();

        private Passive(Path cgroupDir, Path tracefs, boolean mounted, Path instance, String describe, int maxAcc,
                        long aggrMillis) {
            this.aggrMillis = aggrMillis;
            this.cgroupDir = cgroupDir;
            this.tracefs = tracefs;
            this.mounted = mounted;
            this.instance = instance;
            this.describe = describe;
            this.maxAccesses = maxAcc;
            this.reader = new Thread(this::readEvents, "damon-probe-trace");
            this.reader.setDaemon(true);
        }

        static Passive start(Path cgroupDir, int nr, List<String> running) throws Unavailable {
            // Describe what is running (read-only), and require paddr.
            Path c = KDAMONDS.resolve("0/contexts/0");
            String ops = Sys.read(c.resolve("operations")).strip();
            if (!ops.equals("paddr")) {
                throw new Unavailable("kdamond 0 runs '" + ops + "' operations, not paddr; nr_kdamonds=" + nr
                        + " and kdamond(s) " + running
                        + " on: nr_kdamonds cannot change while any kdamond runs (EBUSY)");
            }
            Path iv = c.resolve("monitoring_attrs/intervals");
            long sampleUs = Long.parseLong(Sys.read(iv.resolve("sample_us")).strip());
            long aggrUs = Long.parseLong(Sys.read(iv.resolve("aggr_us")).strip());
            StringBuilder regions = new StringBuilder();
            Path regs = c.resolve("targets/0/regions");
            int nrr = Integer.parseInt(Sys.read(regs.resolve("nr_regions")).strip());
            for (int i = 0; i < nrr; i++) {
                regions.append(i == 0 ? "" : ",").append(String.format("%#x-%#x",
                        Long.parseLong(Sys.read(regs.resolve(i + "/start")).strip()),
                        Long.parseLong(Sys.read(regs.resolve(i + "/end")).strip())));
            }
            String describe = "kdamond(s) " + running + " already on (sysfs refuses nr_kdamonds changes: EBUSY), paddr"
                    + " sample " + sampleUs / 1000 + " ms / aggregation " + aggrUs / 1000 + " ms, regions "
                    + (nrr == 0 ? "default" : regions) + ", nr_regions "
                    + Sys.read(c.resolve("monitoring_attrs/nr_regions/min")).strip() + ".."
                    + Sys.read(c.resolve("monitoring_attrs/nr_regions/max")).strip();

            Path tracefs = null;
            for (String line : Sys.read(Path.of("/proc/mounts")).split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("tracefs")) {
                    tracefs = Path.of(f[1]);
                    break;
                }
            }
            boolean mounted = false;
            if (tracefs == null) {
                tracefs = Path.of("/sys/kernel/tracing");
                try {
                    Sys.run(List.of("mount", "-t", "tracefs", "nodev", tracefs.toString()));
                } catch (IllegalStateException e) {
                    throw new Unavailable(describe + "; tracefs not mounted and cannot be: " + e.getMessage());
                }
                mounted = true;
            }
            if (!Files.isDirectory(tracefs.resolve("events/damon/damon_aggregated"))) {
                if (mounted) {
                    Sys.run(List.of("umount", tracefs.toString()));
                }
                throw new Unavailable(describe + "; " + tracefs.resolve("events/damon/damon_aggregated")
                        + " missing (no DAMON trace events)");
            }
            Path instance = tracefs.resolve("instances/coldtier-damon-" + ProcessHandle.current().pid());
            Passive p = new Passive(cgroupDir, tracefs, mounted, instance, describe,
                    (int) Math.max(1, aggrUs / Math.max(1, sampleUs)), aggrUs / 1000);
            try {
                Files.createDirectory(instance);
                Sys.write(instance.resolve("buffer_size_kb"), "4096");
                Sys.write(instance.resolve("events/damon/damon_aggregated/enable"), "1");
            } catch (IOException | RuntimeException e) {
                p.cleanup();
                throw new Unavailable(describe + "; cannot set up tracefs instance " + instance + ": "
                        + e.getMessage());
            }
            p.t0 = System.nanoTime();
            p.reader.start();
            return p;
        }

        private void readEvents() {
            Map<Integer, List<long[]>> pending = new HashMap<>(); // kdamond pid -> regions of this aggregation
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    Files.newInputStream(instance.resolve("trace_pipe")), StandardCharsets.US_ASCII))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.contains("coldtier-damon-stop")) {
                        return;
                    }
                    Matcher m = EVENT.matcher(line);
                    if (!m.find()) {
                        continue;
                    }
                    int pid = Integer.parseInt(m.group(1));
                    int n = Integer.parseInt(m.group(3));
                    List<long[]> agg = pending.computeIfAbsent(pid, x -> new ArrayList<>());
                    long start = Long.parseUnsignedLong(m.group(4)), end = Long.parseUnsignedLong(m.group(5));
                    if (!agg.isEmpty() && start < agg.getLast()[1]) {
                        agg.clear(); // lost events or a new aggregation: restart
                    }
                    agg.add(new long[] {start, end, Long.parseLong(m.group(6))});
                    if (agg.size() == n) {
                        if (!stop) {
                            sample(agg);
                        }
                        agg.clear();
                    }
                }
            } catch (IOException | RuntimeException e) {
                readerError = e.toString();
            }
        }

        private void sample(List<long[]> regions) {
            long[] phys = cgroupPhysPages(cgroupDir);
            long seen = 0, accessed = 0, covering = 0;
            double weighted = 0;
            for (long[] r : regions) {
                long n = lowerBound(phys, r[1]) - lowerBound(phys, r[0]);
                seen += n;
                if (n > 0) {
                    covering += r[1] - r[0];
                }
                if (r[2] >= 1) {
                    accessed += n;
                }
                weighted += n * Math.min(1.0, r[2] / (double) maxAccesses);
            }
            Sample s = new Sample((System.nanoTime() - t0) / 1_000_000, accessed * PAGE, seen * PAGE,
                    phys.length * PAGE, covering, regions.size(), seen == 0 ? 0 : weighted / seen);
            synchronized (buf) {
                buf.add(s);
            }
        }

        @Override
        public void stopSampling(List<Sample> out, long ignored) {
            stop = true;
            synchronized (buf) {
                out.addAll(buf);
            }
        }

        @Override
        public void cleanup() {
            stop = true;
            try {
                Sys.write(instance.resolve("events/damon/damon_aggregated/enable"), "0");
            } catch (RuntimeException ignored) {
                // instance may not exist
            }
            if (reader.isAlive()) {
                try {
                    Sys.write(instance.resolve("trace_marker"), "coldtier-damon-stop\n"); // wakes the blocked reader
                    reader.join(5000);
                } catch (RuntimeException | InterruptedException ignored) {
                    // fall through
                }
            }
            for (int i = 0; i < 50 && Files.exists(instance); i++) {
                try {
                    Files.delete(instance); // rmdir of a tracefs instance
                } catch (IOException e) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            if (mounted) {
                try {
                    Sys.run(List.of("umount", tracefs.toString()));
                } catch (IllegalStateException ignored) {
                    // left mounted; harmless
                }
            }
        }

        @Override
        public long aggregationMillis() {
            return aggrMillis;
        }

        @Override
        public String method() {
            return "passive: " + describe + "; damon:damon_aggregated events via tracefs instance, regions with"
                    + " nr_accesses>=1 intersected with the cgroup's resident anon + memfd frames (/proc/PID/pagemap)"
                    + (readerError == null ? "" : "; reader error " + readerError);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    /** Sorted physical addresses of the resident anonymous and memfd pages of every process in the cgroup. */
    static long[] cgroupPhysPages(Path cgroupDir) {
        long[] out = new long[1 << 16];
        int n = 0;
        for (String pidText : Sys.read(cgroupDir.resolve("cgroup.procs")).split("\\s+")) {
            if (pidText.isBlank()) {
                continue;
            }
            Path proc = Path.of("/proc", pidText);
            String maps;
            try {
                maps = Files.readString(proc.resolve("maps"));
            } catch (IOException e) {
                continue; // exited
            }
            try (FileChannel pm = FileChannel.open(proc.resolve("pagemap"), StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocateDirect(8 * 8192).order(ByteOrder.LITTLE_ENDIAN);
                for (String line : maps.split("\n")) {
                    String[] f = line.split("\\s+", 6);
                    if (f.length < 5 || !f[1].startsWith("rw")) {
                        continue;
                    }
                    String path = f.length == 6 ? f[5].strip() : "";
                    boolean anon = f[4].equals("0")
                            && (path.isEmpty() || path.equals("[heap]") || path.equals("[stack]"));
                    if (!anon && !path.startsWith("/memfd:")) {
                        continue; // anonymous memory and memfds (the guest's RAM) only, no files or libraries
                    }
                    String[] range = f[0].split("-");
                    long from = Long.parseUnsignedLong(range[0], 16) / PAGE;
                    long to = Long.parseUnsignedLong(range[1], 16) / PAGE;
                    for (long vp = from; vp < to; ) {
                        b.clear();
                        long want = Math.min(8192, to - vp);
                        b.limit((int) (want * 8));
                        int got = pm.read(b, vp * 8);
                        if (got <= 0) {
                            break;
                        }
                        b.flip();
                        while (b.remaining() >= 8) {
                            long e = b.getLong();
                            if (e < 0) { // bit 63: present
                                long pfn = e & ((1L << 55) - 1);
                                if (pfn != 0) {
                                    if (n == out.length) {
                                        out = Arrays.copyOf(out, n * 2);
                                    }
                                    out[n++] = pfn * PAGE;
                                }
                            }
                        }
                        vp += got / 8;
                    }
                }
            } catch (IOException e) {
                // process exited while being read
            }
        }
        long[] r = Arrays.copyOf(out, n);
        Arrays.sort(r);
        return r;
    }

    private static int lowerBound(long[] a, long key) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** System RAM ranges of /proc/iomem (root sees real addresses), [start, end) each, at least 16 MiB. */
    static List<long[]> systemRam() throws Unavailable {
        List<long[]> out = new ArrayList<>();
        for (String line : Sys.read(Path.of("/proc/iomem")).split("\n")) {
            if (line.startsWith(" ") || !line.endsWith(": System RAM")) {
                continue;
            }
            String[] r = line.substring(0, line.indexOf(' ')).split("-");
            long s = Long.parseUnsignedLong(r[0], 16), e = Long.parseUnsignedLong(r[1], 16) + 1;
            if (e - s >= (16L << 20)) {
                out.add(new long[] {s, e});
            }
        }
        if (out.isEmpty() || out.getFirst()[1] == 1) {
            throw new Unavailable("/proc/iomem shows no System RAM addresses (not root?)");
        }
        return out;
    }

    /** The mount point of the cgroup hierarchy holding {@code dir} (longest cgroup/cgroup2 mount prefix). */
    static Path hierarchyRoot(Path dir) {
        Path best = Path.of("/");
        for (String line : Sys.read(Path.of("/proc/mounts")).split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 2 && (f[2].equals("cgroup") || f[2].equals("cgroup2"))) {
                Path m = Path.of(f[1]);
                if (dir.startsWith(m) && m.getNameCount() > best.getNameCount()) {
                    best = m;
                }
            }
        }
        return best;
    }
}
