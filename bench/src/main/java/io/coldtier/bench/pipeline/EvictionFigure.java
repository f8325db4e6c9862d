package io.coldtier.bench.pipeline;

import io.coldtier.agent.AgentService;
import io.coldtier.agent.KafkaPageTier;
import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.tierstore.PageRpcClient;
import io.coldtier.tierstore.StoredPage;
import org.roaringbitmap.RoaringBitmap;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Figure 1: eviction of the whole guest from the agent to RocksDB. One EvictCommand names every page; the agent
 * evicts them in the executor's 256-page batches (pread, CRC32C, LZ4, PageOut with acks=all, punch once acked);
 * the tier-store service ingests {@code coldtier.pages} (putAll + fsync per ≤ 256 records) and answers PageStored,
 * which empties the agent's in-flight buffer. Three milestones are timed from the command's send: every page
 * Kafka-acked and punched (the agent's command done), every page in RocksDB (the tier-store's counter), every
 * PageStored seen by the agent (in-flight buffer empty). Afterwards every page is read back over the RPC (a check,
 * timed as a by-product) and brought back into the guest by touching the pages in order, which is how the next run
 * starts from a resident guest again.
 */
final class EvictionFigure {
    private static final int RPC_BATCH = 256;
    private static final Duration WAIT = Duration.ofMinutes(3);

    /** One eviction of {@code pages}; the three times are from the EvictCommand's send. */
    record Run(long pages, long rawBytes, long compressedBytes, long kafkaNanos, long rocksDbNanos, long ackedNanos) {
        static double mbps(long bytes, long nanos) {
            return bytes / 1e6 / (nanos / 1e9);
        }
    }

    /** Every page fetched over the tier-store RPC ({@code getBatch} of {@value #RPC_BATCH}) with its latest version. */
    record RpcCheck(long pages, long found, long wrongVersion, long nanos) {}

    /** Every page touched once in page order: refaults (each prefetching its evicted neighbours) over the RPC. */
    record Restore(long pages, long nanos, long refaults, long prefetched, long fromRpc, long wrongContents) {}

    record Result(List<Run> runs, List<RpcCheck> checks, List<Restore> restores) {}

    private EvictionFigure() {}

    /**
     * @param warmupFraction share of the guest evicted and touched back untimed first: the JIT is still compiling
     *                       the broker's, the tier-store's and the agent's paths during the first ~10 s, which
     *                       roughly halves the rate of a first run
     */
    static Result run(PrintStream out, PipelineStack s, int reps, double warmupFraction)
            throws InterruptedException, TimeoutException {
        GuestRegion r = s.region();
        RoaringBitmap warm = new RoaringBitmap();
        warm.add(0L, Math.max(1, (long) (r.pages() * warmupFraction)));
        out.printf("  warm-up: %d pages evicted, stored and touched back (untimed)…%n", warm.getLongCardinality());
        evict(out, s, warm);
        restore(s, warm);
        RoaringBitmap all = new RoaringBitmap();
        all.add(0L, r.pages());
        List<Run> runs = new ArrayList<>();
        List<RpcCheck> checks = new ArrayList<>();
        List<Restore> restores = new ArrayList<>();
        for (int i = 1; i <= reps; i++) {
            out.printf("  run %d/%d: evicting all %d pages (%d MiB)…%n", i, reps, r.pages(), r.size() >> 20);
            Run run = evict(out, s, all);
            runs.add(run);
            out.printf("    Kafka-acked %.0f MB/s, in RocksDB %.0f MB/s, PageStored seen %.0f MB/s"
                            + " (%.1f s); LZ4 %.2f:1%n", Run.mbps(run.rawBytes(), run.kafkaNanos()),
                    Run.mbps(run.rawBytes(), run.rocksDbNanos()), Run.mbps(run.rawBytes(), run.ackedNanos()),
                    run.ackedNanos() / 1e9, run.rawBytes() / (double) Math.max(1, run.compressedBytes()));
            RpcCheck check = rpcCheck(s);
            checks.add(check);
            out.printf("    RPC check: %d of %d pages found at their latest version (%.1f s)%n",
                    check.found() - check.wrongVersion(), check.pages(), check.nanos() / 1e9);
            if (check.found() != check.pages() || check.wrongVersion() != 0) {
                throw new IllegalStateException("tier-store RPC has " + check.found() + " of " + check.pages()
                        + " pages, " + check.wrongVersion() + " at a wrong version");
            }
            Restore rest = restore(s, all);
            restores.add(rest);
            out.printf("    touched back in page order: %.0f MB/s, %d refaults + %d prefetched, %d over the RPC%n",
                    Run.mbps(rest.pages() * r.pageSize(), rest.nanos()), rest.refaults(), rest.prefetched(),
                    rest.fromRpc());
        }
        return new Result(runs, checks, restores);
    }

    /** Evicts {@code pages} through the agent and waits for all three milestones. */
    private static Run evict(PrintStream out, PipelineStack s, RoaringBitmap pages)
            throws InterruptedException, TimeoutException {
        AgentService agent = s.agent();
        KafkaPageTier tier = s.tier();
        long n = pages.getLongCardinality();
        long evicted0 = agent.stats().pagesEvicted();
        long failed0 = agent.stats().commandsFailed();
        long kafka0 = tier.stats().storedPages();
        double rocks0 = s.tierCounter("coldtier.tierstore.pages.stored");
        double bytes0 = s.tierCounter("coldtier.tierstore.bytes.stored");
        long[] at = new long[3]; // first seen: agent done, RocksDB has all, in-flight buffer empty
        long t0 = System.nanoTime();
        s.evict(pages);
        Poll.until("eviction of " + n + " pages through agent, Kafka and tier-store", WAIT, () -> {
            long now = System.nanoTime();
            if (at[0] == 0 && agent.stats().pagesEvicted() - evicted0 >= n) {
                at[0] = now;
            }
            if (at[1] == 0 && s.tierCounter("coldtier.tierstore.pages.stored") - rocks0 >= n) {
                at[1] = now;
            }
            if (at[0] != 0 && at[2] == 0 && tier.inFlight() == 0) {
                at[2] = now;
            }
            if (agent.stats().commandsFailed() > failed0) {
                throw new IllegalStateException("the agent's EvictCommand failed (see the log)");
            }
            return at[0] != 0 && at[1] != 0 && at[2] != 0;
        }, out, () -> String.format("Kafka-acked %d of %d, in RocksDB %.0f, in-flight buffer %d",
                tier.stats().storedPages() - kafka0, n, s.tierCounter("coldtier.tierstore.pages.stored") - rocks0,
                tier.inFlight()));
        long evicted = agent.stats().pagesEvicted() - evicted0;
        if (evicted != n) {
            throw new IllegalStateException("agent evicted " + evicted + " of " + n + " pages");
        }
        long compressed = (long) (s.tierCounter("coldtier.tierstore.bytes.stored") - bytes0);
        long raw = n * s.region().pageSize();
        return new Run(n, raw, compressed, at[0] - t0, at[1] - t0, Math.max(at[1], at[2]) - t0);
    }

    private static RpcCheck rpcCheck(PipelineStack s) {
        GuestRegion r = s.region();
        long found = 0;
        long wrongVersion = 0;
        long t0 = System.nanoTime();
        try (PageRpcClient rpc = PageRpcClient.connect(s.tierStore().rpcAddress())) {
            for (long first = 0; first < r.pages(); first += RPC_BATCH) {
                long[] batch = new long[(int) Math.min(RPC_BATCH, r.pages() - first)];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = first + i;
                }
                List<Optional<StoredPage>> got = rpc.getBatch(PipelineStack.VM, 0, batch);
                for (int i = 0; i < batch.length; i++) {
                    if (got.get(i).isPresent()) {
                        found++;
                        wrongVersion += got.get(i).get().version() == r.states().version(batch[i]) ? 0 : 1;
                    }
                }
            }
        }
        return new RpcCheck(r.pages(), found, wrongVersion, System.nanoTime() - t0);
    }

    /** Touches every page of {@code pages} once, in page order, and checks nothing is left evicted. */
    private static Restore restore(PipelineStack s, RoaringBitmap pages) throws InterruptedException {
        GuestRegion r = s.region();
        FaultMetrics m = s.agent().engine().metrics();
        long refaults0 = m.refaults.sum();
        long prefetched0 = m.prefetched.sum();
        long rpc0 = s.tier().stats().fetchedFromRpc();
        PipelineGuest.Touches t = PipelineGuest.touch(r, pages.toArray(), null, 0);
        Poll.faultLoopSettled(m);
        if (t.wrong() != 0 || r.states().evictedCount() != 0 || !m.poisoned.isEmpty()) {
            throw new IllegalStateException("after touching every page back: " + t.wrong() + " with wrong contents, "
                    + r.states().evictedCount() + " still evicted, poisoned " + m.poisoned);
        }
        return new Restore(t.pages(), t.nanos(), m.refaults.sum() - refaults0, m.prefetched.sum() - prefetched0,
                s.tier().stats().fetchedFromRpc() - rpc0, t.wrong());
    }
}
