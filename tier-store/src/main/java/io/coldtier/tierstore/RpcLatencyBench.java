package io.coldtier.tierstore;

import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark main, not a test: sequential single-page GETs of LZ4'd 4 KiB pages over loopback (5,000 warm-up,
 * 20,000 measured, HdrHistogram percentiles) and put throughput in fsync'd batches of 256.
 *
 * <pre>
 * ./mvnw -q -B -pl tier-store -am install -DskipTests
 * ./mvnw -q -B -pl tier-store dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/cp.txt
 * java --enable-native-access=ALL-UNNAMED -cp tier-store/target/classes:$(cat tier-store/target/cp.txt) \
 *      io.coldtier.tierstore.RpcLatencyBench
 * </pre>
 */
public final class RpcLatencyBench {
    private static final int WARMUP = 5_000;
    private static final int MEASURED = 20_000;
    private static final int DISTINCT_PAGES = 4_096;
    private static final int BATCH = 256;
    private static final int PUT_BATCHES = 200;

    private RpcLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("coldtier-rpc-bench-");
        try (PageStore store = PageStore.open(dir, StoreOptions.defaults())) {
            fill(store, "vm-bench", DISTINCT_PAGES);
            getLatency(store);
            putThroughput(store);
        } finally {
            BenchPages.deleteRecursively(dir);
        }
    }

    private static void fill(PageStore store, String vmId, int pages) {
        for (int start = 0; start < pages; start += BATCH) {
            List<StoredPage> batch = new ArrayList<>(BATCH);
            for (int p = start; p < start + BATCH; p++) {
                batch.add(BenchPages.lz4Page(vmId, 0, p, 1));
            }
            store.putAll(batch);
        }
    }

    private static void getLatency(PageStore store) {
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (PageRpcServer server = PageRpcServer.start(store, bind);
             PageRpcClient client = PageRpcClient.connect(server.address())) {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < WARMUP; i++) {
                client.ping();
            }
            Histogram ping = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            for (int i = 0; i < MEASURED; i++) {
                long t0 = System.nanoTime();
                client.ping();
                ping.recordValue(System.nanoTime() - t0);
            }
            System.out.printf("PING (transport only), %d sequential:%n", MEASURED);
            print(ping, Double.NaN);
            for (int i = 0; i < WARMUP; i++) {
                client.get("vm-bench", 0, rnd.nextInt(DISTINCT_PAGES)).orElseThrow();
            }
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            long contentBytes = 0;
            long start = System.nanoTime();
            for (int i = 0; i < MEASURED; i++) {
                long t0 = System.nanoTime();
                StoredPage p = client.get("vm-bench", 0, rnd.nextInt(DISTINCT_PAGES)).orElseThrow();
                h.recordValue(System.nanoTime() - t0);
                contentBytes += p.contents().length;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("GET 4 KiB page (LZ4, avg %d B on the wire), %d sequential after %d warm-up:%n",
                    contentBytes / MEASURED, MEASURED, WARMUP);
            print(h, MEASURED / seconds);
        }
    }

    private static void print(Histogram h, double perSecond) {
        System.out.printf("  p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us%s%n",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
                Double.isNaN(perSecond) ? "" : String.format("  %.0f req/s", perSecond));
    }

    private static void putThroughput(PageStore store) {
        List<List<StoredPage>> batches = new ArrayList<>(PUT_BATCHES);
        long stored = 0;
        for (int b = 0; b < PUT_BATCHES; b++) {
            List<StoredPage> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                StoredPage p = BenchPages.lz4Page("vm-put", 1, (long) b * BATCH + i, 1);
                stored += p.contents().length;
                batch.add(p);
            }
            batches.add(batch);
        }
        long start = System.nanoTime();
        for (List<StoredPage> batch : batches) {
            store.putAll(batch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long pages = (long) PUT_BATCHES * BATCH;
        double rawMb = pages * BenchPages.PAGE / 1e6;
        System.out.printf("putAll, %d batches of %d pages, WAL fsync per batch:%n", PUT_BATCHES, BATCH);
        System.out.printf("  %.0f pages/s  %.1f MB/s of 4 KiB pages (%.1f MB/s stored LZ4)  %.2f ms/batch%n",
                pages / seconds, rawMb / seconds, stored / 1e6 / seconds, seconds * 1e3 / PUT_BATCHES);
    }
}
