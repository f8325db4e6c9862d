package io.coldtier.tierstore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark main, not a test: which SST block compression suits values that are already LZ4'd pages.
 * For each {@link StoreOptions.SstCompression}: 51,200 pages in fsync'd batches of 256, then compact and
 * measure the SST bytes, then 50,000 random in-process gets. Run like {@link RpcLatencyBench}.
 */
public final class SstCompressionBench {
    private static final int BATCHES = 200;
    private static final int BATCH = 256;
    private static final int GETS = 50_000;

    private SstCompressionBench() {
    }

    public static void main(String[] args) throws Exception {
        long pages = (long) BATCHES * BATCH;
        System.out.printf("%d LZ4'd 4 KiB pages (%.0f MiB raw)%n", pages, pages * 4096 / 1048576.0);
        for (int round = 0; round < 2; round++) { // round 0 warms the JIT and the page cache
            for (StoreOptions.SstCompression c : StoreOptions.SstCompression.values()) {
                run(c, round == 1);
            }
        }
    }

    private static void run(StoreOptions.SstCompression c, boolean print) throws Exception {
        Path dir = Files.createTempDirectory("coldtier-sst-bench-");
        try (PageStore store = PageStore.open(dir, StoreOptions.defaults().withSstCompression(c))) {
            long values = 0;
            long putNanos = 0;
            for (int b = 0; b < BATCHES; b++) {
                List<StoredPage> batch = new ArrayList<>(BATCH);
                for (int i = 0; i < BATCH; i++) {
                    StoredPage p = BenchPages.lz4Page("vm-sst", 0, (long) b * BATCH + i, 1);
                    values += p.contents().length;
                    batch.add(p);
                }
                long t0 = System.nanoTime();
                store.putAll(batch);
                putNanos += System.nanoTime() - t0;
            }
            long t0 = System.nanoTime();
            store.compact();
            long compactNanos = System.nanoTime() - t0;
            long sst = BenchPages.sizeOf(dir, ".sst");
            SplittableRandom rnd = new SplittableRandom(7);
            t0 = System.nanoTime();
            for (int i = 0; i < GETS; i++) {
                store.get("vm-sst", 0, rnd.nextInt(BATCHES * BATCH)).orElseThrow();
            }
            long getNanos = System.nanoTime() - t0;
            if (print) {
                System.out.printf("%-5s put %6.0f pages/s  flush+compact %5.0f ms  SST %6.1f MiB (values %.1f MiB)"
                                + "  get %6.0f ops/s%n", c, BATCHES * BATCH / (putNanos / 1e9), compactNanos / 1e6,
                        sst / 1048576.0, values / 1048576.0, GETS / (getNanos / 1e9));
            }
        } finally {
            BenchPages.deleteRecursively(dir);
        }
    }
}
