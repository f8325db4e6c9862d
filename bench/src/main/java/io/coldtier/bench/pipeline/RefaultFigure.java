package io.coldtier.bench.pipeline;

import io.coldtier.agent.AgentService;
import io.coldtier.agent.KafkaPageTier;
import io.coldtier.bench.BenchGuest;
import io.coldtier.faultsource.FaultLoop;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.tierstore.PageRpcClient;
import io.coldtier.tierstore.StoredPage;
import org.HdrHistogram.Histogram;
import org.roaringbitmap.RoaringBitmap;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;

/**
 * Figure 2: refault latency through the agent's real fault path (fault loop → {@code KafkaPageTier.fetch} → LZ4 →
 * CRC32C → UFFDIO_COPY), from two places: the tier-store RPC (the pages are ingested and the in-flight buffer is
 * empty) and the agent's in-flight buffer (the tier-store service is stopped, so the pages are Kafka-acked but no
 * PageStored ever comes). A guest thread reads 8 bytes of each evicted page once, in random order, each read timed
 * into an HdrHistogram and checked against the page's stamp.
 *
 * <p>The agent runs its fault loop as deployed: prefetch window 8, not pinned to a CPU. So that every touch is one
 * refault of one page, the evicted pages are spaced window + 1 apart: no evicted neighbour is ever in reach of a
 * prefetch.
 */
final class RefaultFigure {
    /** Untimed touches at the start of each round (first connection use, JIT, cache state). */
    private static final int WARMUP = 200;
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final Duration QUIET_WAIT = Duration.ofSeconds(30);

    enum Source {
        RPC("tier-store RPC"), BUFFER("agent in-flight buffer");

        final String label;

        Source(String label) {
            this.label = label;
        }
    }

    /**
     * Guest-visible and fault-loop (message read → page mapped) latency in ns, over every timed touch, and the mean
     * CPU use during those touches, as a share of all CPUs: of the machine (every process) and of this JVM.
     */
    record Latency(Source source, Histogram guest, Histogram handler, long refaults, double machineCpu,
                   double processCpu) {}

    /**
     * @param rpcGet   single-page {@code PageRpcClient.get}s of random stored pages straight against the tier-store
     *                 (ns): the RPC alone, the figure stack-notes Q9's 10–30 µs target is about
     * @param rpcPing  a PING on the same connection after each GET (no store access): the transport's share
     * @param storeGet the same lookups in-process ({@code PageStore.get} of the service's store, no RPC)
     */
    record Result(Latency rpc, Latency buffer, Histogram rpcGet, Histogram rpcPing, Histogram storeGet, int spacing,
                  int rounds) {}

    private RefaultFigure() {}

    static Result run(PrintStream out, PipelineStack s, int rounds, int rpcGets, long seed)
            throws InterruptedException, TimeoutException {
        out.printf("  %d single-page RPC GETs of random stored pages, each with a PING and an in-process get"
                + " (after %d untimed)…%n", rpcGets, rpcGets / 10);
        Poll.quiet(out, QUIET_WAIT);
        Histogram rpcGet = new Histogram(3);
        Histogram rpcPing = new Histogram(3);
        Histogram storeGet = new Histogram(3);
        rpcCalls(s, rpcGets, seed, rpcGet, rpcPing, storeGet);
        out.printf("    GET p50 %.1f µs, p99 %.1f µs; PING p50 %.1f µs, p99 %.1f µs; in-process get p50 %.1f µs%n",
                PipelineReport.us(rpcGet, 50), PipelineReport.us(rpcGet, 99), PipelineReport.us(rpcPing, 50),
                PipelineReport.us(rpcPing, 99), PipelineReport.us(storeGet, 50));
        int spacing = FaultLoop.Config.defaults().prefetchWindow() + 1;
        out.printf("  from the tier-store RPC: %d round(s) of every %d-th page, evicted, stored, touched…%n", rounds,
                spacing);
        Latency rpc = measure(out, s, Source.RPC, rounds, spacing, seed);
        out.println("  stopping the tier-store service (pages now stay in the agent's in-flight buffer)…");
        s.stopTierStore();
        out.printf("  from the agent's in-flight buffer: %d round(s)…%n", rounds);
        Latency buffer = measure(out, s, Source.BUFFER, rounds, spacing, seed);
        return new Result(rpc, buffer, rpcGet, rpcPing, storeGet, spacing, rounds);
    }

    /**
     * Sequential GETs of random pages on one fresh connection, as the agent's refaults issue them (every page must
     * be found), each followed by a PING on the same connection and by the same lookup in-process: interleaved, so
     * all three see the same conditions (on this nested VM the transport's cost moves with whether the other vCPU
     * is idle, by up to 4×, within seconds).
     */
    private static void rpcCalls(PipelineStack s, int count, long seed, Histogram gets, Histogram pings,
                                 Histogram store) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long pages = s.region().pages();
        try (PageRpcClient rpc = PageRpcClient.connect(s.tierStore().rpcAddress())) {
            for (int i = -count / 10; i < count; i++) {
                long page = rnd.nextLong(pages);
                long t0 = System.nanoTime();
                Optional<StoredPage> p = rpc.get(PipelineStack.VM, 0, page);
                long t1 = System.nanoTime();
                rpc.ping();
                long t2 = System.nanoTime();
                s.tierStore().store().get(PipelineStack.VM, 0, page);
                long t3 = System.nanoTime();
                if (p.isEmpty()) {
                    throw new IllegalStateException("tier-store RPC: page " + page + " not found");
                }
                if (i >= 0) {
                    gets.recordValue(Math.max(1, t1 - t0));
                    pings.recordValue(Math.max(1, t2 - t1));
                    store.recordValue(Math.max(1, t3 - t2));
                }
            }
        }
    }

    private static Latency measure(PrintStream out, PipelineStack s, Source source, int rounds, int spacing, long seed)
            throws InterruptedException, TimeoutException {
        Histogram guest = new Histogram(3);
        Histogram handler = new Histogram(3);
        long refaults = 0;
        double[] cpu = new double[2]; // summed over rounds: machine, process
        for (int round = 0; round < rounds; round++) {
            // Different pages per round and per source: offsets 0, 3, 6 (RPC) and 1, 4, 7 (buffer) modulo 9.
            int offset = (3 * round + (source == Source.RPC ? 0 : 1)) % spacing;
            int[] pages = everyNth(s.region().pages(), spacing, offset);
            evictAndSettle(out, s, source, pages);
            Poll.quiet(out, QUIET_WAIT);
            Histogram g = new Histogram(3);
            double[] roundCpu = new double[2];
            refaults += touch(s, source, BenchGuest.shuffled(pages, seed + 31L * round + source.ordinal()),
                    g, handler, roundCpu);
            guest.add(g);
            cpu[0] += roundCpu[0];
            cpu[1] += roundCpu[1];
            out.printf("    round %d/%d: %d pages, guest p50 %.1f µs, p99 %.1f µs; CPU busy: machine %.0f %%,"
                            + " this JVM %.0f %%%n", round + 1, rounds, pages.length, PipelineReport.us(g, 50),
                    PipelineReport.us(g, 99), 100 * roundCpu[0], 100 * roundCpu[1]);
        }
        return new Latency(source, guest, handler, refaults, cpu[0] / rounds, cpu[1] / rounds);
    }

    private static int[] everyNth(long pages, int n, int offset) {
        int[] out = new int[(int) ((pages - offset + n - 1) / n)];
        Arrays.setAll(out, i -> offset + i * n);
        return out;
    }

    /** Evicts {@code pages}; for RPC also waits until every PageStored came back (in-flight buffer empty). */
    private static void evictAndSettle(PrintStream out, PipelineStack s, Source source, int[] pages)
            throws InterruptedException, TimeoutException {
        AgentService agent = s.agent();
        KafkaPageTier tier = s.tier();
        long evicted0 = agent.stats().pagesEvicted();
        s.evict(RoaringBitmap.bitmapOf(pages));
        Poll.until("eviction of " + pages.length + " pages", WAIT,
                () -> agent.stats().pagesEvicted() - evicted0 >= pages.length
                        && (source == Source.BUFFER || tier.inFlight() == 0),
                out, () -> "evicted " + (agent.stats().pagesEvicted() - evicted0) + " of " + pages.length
                        + ", in-flight buffer " + tier.inFlight());
        if (source == Source.BUFFER && tier.inFlight() < pages.length) {
            throw new IllegalStateException("only " + tier.inFlight() + " of " + pages.length
                    + " pages in the in-flight buffer: is the tier-store still acking?");
        }
    }

    /**
     * Touches {@code order}: the first {@link #WARMUP} untimed, the rest into the histograms, and {@code cpu} gets the
     * machine's and this JVM's CPU use during the timed part. Returns the timed touches.
     */
    private static long touch(PipelineStack s, Source source, int[] order, Histogram guest, Histogram handler,
                              double[] cpu) throws InterruptedException {
        GuestRegion r = s.region();
        FaultMetrics m = s.agent().engine().metrics();
        KafkaPageTier.Stats before = s.tier().stats();
        long refaults0 = m.refaults.sum();
        int warm = Math.min(WARMUP, order.length / 2);
        PipelineGuest.Touches w = PipelineGuest.touch(r, Arrays.copyOfRange(order, 0, warm), null, 0);
        Poll.faultLoopSettled(m);
        m.refaultLatencyInterval(); // drop the warm-up refaults from the handler's histogram
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        os.getCpuLoad(); // each call measures since the previous one
        os.getProcessCpuLoad();
        PipelineGuest.Touches t = PipelineGuest.touch(r, Arrays.copyOfRange(order, warm, order.length), guest, 0);
        cpu[0] = os.getCpuLoad();
        cpu[1] = os.getProcessCpuLoad();
        Poll.faultLoopSettled(m);
        handler.add(m.refaultLatencyInterval());
        KafkaPageTier.Stats after = s.tier().stats();
        long refaults = m.refaults.sum() - refaults0;
        long fromRpc = after.fetchedFromRpc() - before.fetchedFromRpc();
        long fromBuffer = after.fetchedFromBuffer() - before.fetchedFromBuffer();
        long expectRpc = source == Source.RPC ? order.length : 0;
        if (w.wrong() + t.wrong() != 0 || refaults != order.length || fromRpc != expectRpc
                || fromBuffer != order.length - expectRpc || r.states().evictedCount() != 0 || !m.poisoned.isEmpty()) {
            throw new IllegalStateException(String.format("%s refaults of %d pages: %d wrong contents, %d refaults,"
                            + " %d from the RPC, %d from the buffer, %d still evicted, poisoned %s", source.label,
                    order.length, w.wrong() + t.wrong(), refaults, fromRpc, fromBuffer, r.states().evictedCount(),
                    m.poisoned));
        }
        return t.pages();
    }
}
