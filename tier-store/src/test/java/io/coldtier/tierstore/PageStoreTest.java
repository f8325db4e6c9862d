package io.coldtier.tierstore;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The RocksDB page store, on a real RocksDB in a temporary directory. */
@Tag("unit")
@Timeout(60)
class PageStoreTest {
    @TempDir
    Path dir;
    PageStore store;

    @BeforeEach
    void open() {
        store = PageStore.open(dir.resolve("pages"), StoreOptions.defaults());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void put_thenGet_returnsTheSamePage() {
        StoredPage p = TestPages.lz4("vm-1", 0, 42, 7);

        assertThat(store.put(p)).isEqualTo(PutResult.APPLIED);

        StoredPage got = store.get("vm-1", 0, 42).orElseThrow();
        assertThat(got).isEqualTo(p);
        assertThat(TestPages.sameRaw(got, 42 * 1_000 + 7)).isTrue();
        assertThat(TestPages.checksumMatches(got)).isTrue();
        assertThat(store.get("vm-1", 0, 43)).isEmpty();
        assertThat(store.get("vm-1", 1, 42)).isEmpty();
        assertThat(store.get("vm-2", 0, 42)).isEmpty();
    }

    @Test
    void zeroPage_isStoredAsMarkerWithoutContents() {
        store.put(TestPages.zero("vm-1", 0, 5, 1));

        StoredPage got = store.get("vm-1", 0, 5).orElseThrow();
        assertThat(got.zero()).isTrue();
        assertThat(got.contents()).isEmpty();
        assertThat(got.rawLength()).isEqualTo(TestPages.PAGE);
        assertThat(got.compression()).isEqualTo(StoredPage.Compression.NONE);
        assertThat(TestPages.checksumMatches(got)).isTrue();
    }

    @Test
    void rawPage_roundTripsUncompressed() {
        StoredPage p = StoredPage.raw("vm-1", 3, 9, 1, 123, TestPages.raw(9));
        store.put(p);
        assertThat(store.get("vm-1", 3, 9)).contains(p);
    }

    @Test
    void olderVersion_isIgnored_newerReplaces() {
        store.put(TestPages.lz4("vm-1", 0, 1, 5));

        assertThat(store.put(TestPages.lz4("vm-1", 0, 1, 4))).isEqualTo(PutResult.STALE);
        assertThat(store.get("vm-1", 0, 1).orElseThrow().version()).isEqualTo(5);

        assertThat(store.put(TestPages.lz4("vm-1", 0, 1, 6))).isEqualTo(PutResult.APPLIED);
        assertThat(store.get("vm-1", 0, 1)).contains(TestPages.lz4("vm-1", 0, 1, 6));
    }

    @Test
    void duplicateVersion_isIdempotent_firstWriteWins() {
        StoredPage first = TestPages.lz4("vm-1", 0, 1, 5);
        store.put(first);

        assertThat(store.put(first)).isEqualTo(PutResult.DUPLICATE);
        StoredPage sameVersionOtherBytes = StoredPage.raw("vm-1", 0, 1, 5, 0, TestPages.raw(99));
        assertThat(store.put(sameVersionOtherBytes)).isEqualTo(PutResult.DUPLICATE);

        assertThat(store.get("vm-1", 0, 1)).contains(first);
    }

    @Test
    void putAll_appliesTheVersionRulePerPage_includingRepeatsInsideTheBatch() {
        store.put(TestPages.lz4("vm-1", 0, 1, 10));

        List<PutResult> results = store.putAll(List.of(
                TestPages.lz4("vm-1", 0, 1, 9),   // older than stored
                TestPages.lz4("vm-1", 0, 1, 10),  // equal to stored
                TestPages.lz4("vm-1", 0, 2, 1),   // new
                TestPages.lz4("vm-1", 0, 2, 3),   // newer than the entry before it
                TestPages.lz4("vm-1", 0, 2, 2),   // older than the entry before it
                TestPages.zero("vm-1", 0, 3, 1)));

        assertThat(results).containsExactly(PutResult.STALE, PutResult.DUPLICATE, PutResult.APPLIED,
                PutResult.APPLIED, PutResult.STALE, PutResult.APPLIED);
        assertThat(store.get("vm-1", 0, 1).orElseThrow().version()).isEqualTo(10);
        assertThat(store.get("vm-1", 0, 2)).contains(TestPages.lz4("vm-1", 0, 2, 3));
        assertThat(store.get("vm-1", 0, 3).orElseThrow().zero()).isTrue();
        assertThat(store.putAll(List.of())).isEmpty();
    }

    @Test
    void replayingTheSameBatch_changesNothing() {
        List<StoredPage> batch = new ArrayList<>();
        for (int p = 0; p < 100; p++) {
            batch.add(TestPages.lz4("vm-1", 0, p, 1));
        }
        assertThat(store.putAll(batch)).allMatch(PutResult::applied);
        assertThat(store.putAll(batch)).containsOnly(PutResult.DUPLICATE);
        assertThat(store.getBatch("vm-1", 0, new long[] {0, 50, 99})).containsExactly(batch.get(0), batch.get(50),
                batch.get(99));
    }

    @Test
    void concurrentPutsOfOnePage_leaveTheHighestVersion() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        store.put(TestPages.lz4("vm-1", 0, 1, ThreadLocalRandom.current().nextInt(1, 1000)));
                    }
                }));
            }
            store.put(TestPages.lz4("vm-1", 0, 1, 1000));
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(store.get("vm-1", 0, 1).orElseThrow().version()).isEqualTo(1000);
    }

    @Test
    void delete_removesOnlyOlderOrEqualVersions() {
        store.put(TestPages.lz4("vm-1", 0, 1, 5));

        assertThat(store.delete("vm-1", 0, 1, 4)).isFalse();
        assertThat(store.get("vm-1", 0, 1)).isPresent();

        assertThat(store.delete("vm-1", 0, 1, 5)).isTrue();
        assertThat(store.get("vm-1", 0, 1)).isEmpty();

        store.put(TestPages.lz4("vm-1", 0, 1, 6));
        assertThat(store.delete("vm-1", 0, 1, 100)).isTrue();
        assertThat(store.get("vm-1", 0, 1)).isEmpty();
    }

    @Test
    void delete_ofMissingPage_returnsFalse() {
        assertThat(store.delete("vm-1", 0, 1, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void deleteVm_removesEveryPageOfThatVm_andNoOther() {
        // "vm-1" is a string prefix of "vm-10", and "vm-2" has the same length: neither may be touched.
        for (String vm : List.of("vm-1", "vm-10", "vm-2", "vm-")) {
            for (int region = 0; region < 3; region++) {
                List<StoredPage> batch = new ArrayList<>();
                for (int p = 0; p < 50; p++) {
                    batch.add(TestPages.lz4(vm, region, p, 1));
                }
                store.putAll(batch);
            }
        }
        store.put(TestPages.lz4("vm-1", Integer.MAX_VALUE, Long.MAX_VALUE, 1));

        assertThat(store.deleteVm("vm-1")).isEqualTo(151);

        assertThat(store.get("vm-1", 0, 0)).isEmpty();
        assertThat(store.get("vm-1", Integer.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
        assertThat(store.getBatch("vm-1", 2, new long[] {0, 25, 49})).isEmpty();
        for (String other : List.of("vm-10", "vm-2", "vm-")) {
            assertThat(store.getBatch(other, 2, new long[] {0, 49})).hasSize(2);
            assertThat(store.get(other, 0, 0)).isPresent();
        }
        assertThat(store.deleteVm("vm-1")).isZero();
        assertThat(store.deleteVm("vm-never-seen")).isZero();
    }

    @Test
    void reopen_keepsEveryAcknowledgedPage() {
        List<StoredPage> batch = new ArrayList<>();
        for (int p = 0; p < 300; p++) {
            batch.add(p % 10 == 0 ? TestPages.zero("vm-1", 0, p, 2) : TestPages.lz4("vm-1", 0, p, 2));
        }
        store.putAll(batch);
        store.put(TestPages.lz4("vm-2", 1, 7, 3));
        store.delete("vm-1", 0, 299, 2);
        store.close();

        store = PageStore.open(dir.resolve("pages"), StoreOptions.defaults());

        assertThat(store.isEmpty()).isFalse();
        assertThat(store.get("vm-1", 0, 1)).contains(batch.get(1));
        assertThat(store.get("vm-1", 0, 10)).contains(batch.get(10));
        assertThat(store.get("vm-1", 0, 299)).isEmpty();
        assertThat(store.get("vm-2", 1, 7)).contains(TestPages.lz4("vm-2", 1, 7, 3));
        long[] all = new long[300];
        for (int p = 0; p < all.length; p++) {
            all[p] = p;
        }
        assertThat(store.getBatch("vm-1", 0, all)).containsExactlyElementsOf(batch.subList(0, 299));
        // the version rule survives the restart too
        assertThat(store.put(TestPages.lz4("vm-2", 1, 7, 2))).isEqualTo(PutResult.STALE);
    }

    @Test
    void getBatch_returnsFoundPagesInRequestOrder() {
        StoredPage a = TestPages.lz4("vm-1", 0, 10, 1);
        StoredPage b = TestPages.zero("vm-1", 0, 20, 1);
        StoredPage c = TestPages.lz4("vm-1", 0, 30, 1);
        store.putAll(List.of(a, b, c));

        assertThat(store.getBatch("vm-1", 0, new long[] {30, 11, 10, 20, 999}))
                .containsExactly(c, a, b);
        assertThat(store.getBatch("vm-1", 0, new long[0])).isEmpty();
    }

    @Test
    void isEmpty_onFreshDir_isTrue_andTracksContents() {
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.count()).isZero();

        store.put(TestPages.lz4("vm-1", 0, 1, 1));
        assertThat(store.isEmpty()).isFalse();
        assertThat(store.count()).isEqualTo(1);

        store.deleteVm("vm-1");
        assertThat(store.isEmpty()).isTrue();
    }

    @Test
    void count_estimatesStoredPages_exactAfterCompaction() {
        List<StoredPage> batch = new ArrayList<>();
        for (int p = 0; p < 256; p++) {
            batch.add(TestPages.lz4("vm-1", 0, p, 1));
        }
        store.putAll(batch);
        store.compact();
        assertThat(store.count()).isEqualTo(256);
        assertThat(store.dir()).isEqualTo(dir.resolve("pages"));
    }

    @Test
    void open_createsMissingDirectories() {
        Path nested = dir.resolve("a/b/c");
        try (PageStore s = PageStore.open(nested, StoreOptions.defaults().withSyncWrites(false))) {
            assertThat(s.isEmpty()).isTrue();
        }
        assertThat(Files.isDirectory(nested)).isTrue();
    }

    @Test
    void open_ofADirInUse_failsNamingTheStore() {
        Path path = dir.resolve("pages");
        assertThatThrownBy(() -> PageStore.open(path, StoreOptions.defaults()))
                .isInstanceOf(TierStoreException.class)
                .hasMessageStartingWith("store " + path.toAbsolutePath() + ": open failed: ")
                .hasMessageContaining("LOCK");
    }

    @Test
    void close_isIdempotent() {
        store.close();
        store.close();
    }

    @Test
    void operationsAfterClose_failWithAMessageNamingTheStore() {
        store.close();
        String closed = "store " + dir.resolve("pages").toAbsolutePath() + ": is closed";

        assertThatThrownBy(() -> store.get("vm-1", 0, 1)).isInstanceOf(TierStoreException.class).hasMessage(closed);
        assertThatThrownBy(() -> store.put(TestPages.lz4("vm-1", 0, 1, 1))).hasMessage(closed);
        assertThatThrownBy(() -> store.putAll(List.of(TestPages.lz4("vm-1", 0, 1, 1)))).hasMessage(closed);
        assertThatThrownBy(() -> store.getBatch("vm-1", 0, new long[] {1})).hasMessage(closed);
        assertThatThrownBy(() -> store.delete("vm-1", 0, 1, 1)).hasMessage(closed);
        assertThatThrownBy(() -> store.deleteVm("vm-1")).hasMessage(closed);
        assertThatThrownBy(() -> store.count()).hasMessage(closed);
        assertThatThrownBy(() -> store.isEmpty()).hasMessage(closed);
        assertThatThrownBy(() -> store.compact()).hasMessage(closed);
    }

    @Test
    void closeDuringConcurrentReads_failsTheReadersCleanly() throws Exception {
        store.put(TestPages.lz4("vm-1", 0, 1, 1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch running = new CountDownLatch(4);
        try {
            List<Future<Throwable>> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                readers.add(pool.submit(() -> {
                    running.countDown();
                    try {
                        while (true) {
                            Optional<StoredPage> p = store.get("vm-1", 0, 1);
                            assertThat(p).isPresent();
                        }
                    } catch (Throwable e) {
                        return e;
                    }
                }));
            }
            running.await();
            Thread.sleep(50);
            store.close();
            for (Future<Throwable> r : readers) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isInstanceOf(TierStoreException.class)
                        .hasMessageEndingWith(": is closed");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void invalidArguments_areRejectedBeforeTouchingTheStore() {
        assertThatThrownBy(() -> store.get("", 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vmId");
        assertThatThrownBy(() -> store.get("vm-1", -1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("region");
        assertThatThrownBy(() -> store.getBatch("vm-1", 0, new long[] {1, -2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page");
    }
}
