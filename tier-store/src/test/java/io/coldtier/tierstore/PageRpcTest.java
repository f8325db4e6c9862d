package io.coldtier.tierstore;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Server and client over loopback, against a real store. */
@Tag("unit")
@Timeout(60)
class PageRpcTest {
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final int PAGES = 200;

    @TempDir
    Path dir;
    PageStore store;
    PageRpcServer server;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() {
        store = PageStore.open(dir.resolve("pages"), StoreOptions.defaults().withSyncWrites(false));
        List<StoredPage> batch = new ArrayList<>();
        for (int p = 0; p < PAGES; p++) {
            batch.add(expected(p));
        }
        store.putAll(batch);
        server = PageRpcServer.start(store, LOOPBACK_ANY_PORT);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        server.close();
        store.close();
    }

    /** Every tenth page is a zero page, the rest LZ4. */
    private static StoredPage expected(long page) {
        return page % 10 == 0 ? TestPages.zero("vm-1", 0, page, 1) : TestPages.lz4("vm-1", 0, page, 1);
    }

    private PageRpcClient client() {
        return client(server.address());
    }

    private PageRpcClient client(InetSocketAddress address) {
        PageRpcClient c = PageRpcClient.connect(address);
        toClose.add(c);
        return c;
    }

    @Test
    void get_returnsTheStoredPage_orEmpty() {
        PageRpcClient c = client();

        StoredPage got = c.get("vm-1", 0, 7).orElseThrow();
        assertThat(got).isEqualTo(expected(7));
        assertThat(TestPages.checksumMatches(got)).isTrue();
        assertThat(c.get("vm-1", 0, 10)).contains(expected(10));
        assertThat(c.get("vm-1", 0, PAGES)).isEmpty();
        assertThat(c.get("vm-2", 0, 7)).isEmpty();
        assertThat(c.ping()).isPositive();
    }

    @Test
    void batchGet_mixesFoundAndMissing_inRequestOrder() {
        PageRpcClient c = client();

        List<Optional<StoredPage>> got = c.getBatch("vm-1", 0, new long[] {5, 1000, 20, 5, 199, 200});

        assertThat(got).containsExactly(Optional.of(expected(5)), Optional.empty(), Optional.of(expected(20)),
                Optional.of(expected(5)), Optional.of(expected(199)), Optional.empty());
        assertThat(c.getBatch("vm-1", 0, new long[0])).isEmpty();
        long[] full = new long[256];
        for (int i = 0; i < full.length; i++) {
            full[i] = i;
        }
        assertThat(c.getBatch("vm-1", 0, full)).hasSize(256).filteredOn(Optional::isPresent).hasSize(PAGES);
    }

    @Test
    void concurrentClients_fourThreadsOfAThousandGets_allCorrect() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    PageRpcClient c = PageRpcClient.connect(server.address());
                    try (c) {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        int correct = 0;
                        for (int i = 0; i < 1000; i++) {
                            int page = rnd.nextInt(PAGES);
                            if (c.get("vm-1", 0, page).orElseThrow().equals(expected(page))) {
                                correct++;
                            }
                        }
                        return correct;
                    }
                }));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(1000);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(server.stats().requests()).isEqualTo(4000);
        assertThat(server.stats().connectionsAccepted()).isEqualTo(4);
    }

    @Test
    void oneClientSharedByFourThreads_answersEveryCallCorrectly() throws Exception {
        PageRpcClient shared = client();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    for (int i = 0; i < 250; i++) {
                        int page = rnd.nextInt(PAGES);
                        assertThat(shared.get("vm-1", 0, page)).contains(expected(page));
                    }
                }));
            }
            for (Future<?> r : results) {
                r.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void garbage_getsBadRequest_andTheServerKeepsServingOthers() throws IOException {
        PageRpcClient bystander = client();
        assertThat(bystander.get("vm-1", 0, 1)).isPresent();

        RawAnswer a = sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);

        assertThat(a.status()).isEqualTo((byte) 1);
        assertThat(a.reason()).startsWith("frame length 1195725856 exceeds the 16777216-byte limit")
                .contains("ASCII text \"GET \"");
        assertThat(a.closedAfter()).isTrue();
        assertThat(bystander.get("vm-1", 0, 2)).contains(expected(2));
        assertThat(client().get("vm-1", 0, 3)).contains(expected(3));
        assertThat(server.stats().badRequests()).isEqualTo(1);
    }

    @Test
    void oversizedLength_getsBadRequest_withoutReadingTheBody() throws IOException {
        RawAnswer a = sendRaw(hex("7fffffff"), false);
        assertThat(a.reason()).isEqualTo("frame length 2147483647 exceeds the 16777216-byte limit");
        assertThat(a.closedAfter()).isTrue();

        RawAnswer negative = sendRaw(hex("ffffffff"), false);
        assertThat(negative.reason()).isEqualTo("frame length 4294967295 exceeds the 16777216-byte limit");

        RawAnswer tiny = sendRaw(hex("00000002" + "0100"), false);
        assertThat(tiny.reason()).isEqualTo("frame length 2 is shorter than the 5-byte request header [op][requestId]");
    }

    @Test
    void unknownOp_getsBadRequest_namingTheOp() throws IOException {
        RawAnswer a = sendRaw(hex("00000005" + "09" + "0000002a"), false);
        assertThat(a.status()).isEqualTo((byte) 1);
        assertThat(a.requestId()).isEqualTo(42);
        assertThat(a.reason()).isEqualTo("unknown op 9 (known: 1 GET, 2 BATCH_GET, 3 PING)");
        assertThat(a.closedAfter()).isTrue();
    }

    @Test
    void truncatedFrame_getsBadRequest() throws IOException {
        RawAnswer a = sendRaw(hex("00000064" + "01" + "00000003" + "0004766d"), true);
        assertThat(a.requestId()).isEqualTo(3);
        assertThat(a.reason()).isEqualTo("truncated frame: length says 100 bytes, stream ended after 9");

        RawAnswer header = sendRaw(hex("0000"), true);
        assertThat(header.reason()).isEqualTo("truncated frame header: 2 of 4 length bytes before end of stream");

        RawAnswer fields = sendRaw(hex("0000000f" + "01" + "00000004" + "0004" + "766d2d31" + "00000000"), false);
        assertThat(fields.reason()).isEqualTo("truncated GET request: needs 8 bytes for page at offset 15, frame has 15");
        assertThat(server.stats().badRequests()).isEqualTo(3);
        assertThat(client().get("vm-1", 0, 4)).contains(expected(4));
    }

    @Test
    void batchOverTheLimit_getsBadRequest_andTheClientRefusesItLocally() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 19 + 300 * 8);
        b.putInt(19 + 300 * 8).put((byte) 2).putInt(5).putShort((short) 4).put("vm-1".getBytes(StandardCharsets.UTF_8))
                .putInt(0).putInt(300);
        for (int i = 0; i < 300; i++) {
            b.putLong(i);
        }
        assertThat(sendRaw(b.array(), false).reason()).isEqualTo("BATCH_GET request: count 300 is outside 1..256");

        assertThatThrownBy(() -> client().getBatch("vm-1", 0, new long[257]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the limit is 256");
    }

    @Test
    void responseOverTheFrameLimit_isRefusedWithAReason() {
        List<StoredPage> huge = new ArrayList<>();
        for (int p = 0; p < 9; p++) {
            huge.add(StoredPage.raw("vm-huge", 0, p, 1, 0, new byte[StoredPage.MAX_RAW_LENGTH]));
        }
        store.putAll(huge);
        PageRpcClient c = client();

        assertThatThrownBy(() -> c.getBatch("vm-huge", 0, new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8}))
                .isInstanceOf(TierStoreException.class)
                .hasMessageStartingWith("tier-store " + server.address().getHostString() + ":" + server.port()
                        + ": server rejected BATCH_GET of 9 pages of vm-huge/0 (BAD_REQUEST): the response would be")
                .hasMessageContaining("ask for fewer pages");
        assertThat(c.getBatch("vm-huge", 0, new long[] {0, 1})).allMatch(Optional::isPresent);
    }

    @Test
    void storeFailure_isAnErrorAnswer_andTheConnectionSurvives() {
        PageRpcClient c = client();
        store.close();

        assertThatThrownBy(() -> c.get("vm-1", 0, 1)).isInstanceOf(TierStoreException.class)
                .hasMessageContaining("server failed GET vm-1/0/1 (ERROR): store ")
                .hasMessageEndingWith(": is closed");
        assertThat(c.ping()).isPositive();
        assertThat(server.stats().errors()).isEqualTo(1);
        assertThat(server.stats().connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void client_reconnects_afterTheServerRestartsOnTheSamePort() {
        PageRpcClient c = client();
        assertThat(c.get("vm-1", 0, 1)).isPresent();
        int port = server.port();

        server.close();
        server = PageRpcServer.start(store, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));

        assertThat(c.get("vm-1", 0, 2)).contains(expected(2));
        assertThat(server.stats().connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void client_failsClearly_whenTheServerIsGone() {
        PageRpcClient c = client();
        server.close();
        server.close(); // idempotent

        assertThatThrownBy(() -> c.get("vm-1", 0, 1)).isInstanceOf(TierStoreException.class)
                .hasMessageContaining(": cannot connect: ");
        assertThatThrownBy(() -> PageRpcClient.connect(server.address()))
                .isInstanceOf(TierStoreException.class).hasMessageContaining("cannot connect");
    }

    @Test
    void client_timesOut_whenTheServerDoesNotAnswer() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            PageRpcClient c = PageRpcClient.connect((InetSocketAddress) silent.getLocalSocketAddress(),
                    Duration.ofMillis(200));
            toClose.add(c);

            assertThatThrownBy(() -> c.get("vm-1", 0, 1)).isInstanceOf(TierStoreException.class)
                    .hasMessageEndingWith(": no answer to GET vm-1/0/1 within 200 ms");
        }
    }

    @Test
    void closedClient_refusesCalls() {
        PageRpcClient c = client();
        c.close();
        c.close();
        assertThatThrownBy(c::ping).isInstanceOf(TierStoreException.class).hasMessageEndingWith(": client is closed");
    }

    @Test
    void stats_countRequestsAndBytes() {
        PageRpcClient c = client();
        c.get("vm-1", 0, 1);
        c.getBatch("vm-1", 0, new long[] {1, 2, 1000});
        c.ping();

        PageRpcServer.Stats s = server.stats();
        assertThat(s.requests()).isEqualTo(3);
        assertThat(s.pagesFound()).isEqualTo(3);
        assertThat(s.openConnections()).isEqualTo(1);
        assertThat(s.bytesIn()).isEqualTo((4 + 23) + (4 + 19 + 3 * 8) + (4 + 5));
        assertThat(s.bytesOut()).isGreaterThan(3 * 9);
    }

    // ---- raw sockets -----------------------------------------------------------------------------------

    private record RawAnswer(byte status, int requestId, String reason, boolean closedAfter) {
    }

    private RawAnswer sendRaw(byte[] bytes, boolean shutdownOutput) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.address(), 2_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(bytes);
            if (shutdownOutput) {
                s.shutdownOutput();
            }
            InputStream raw = s.getInputStream();
            DataInputStream in = new DataInputStream(raw);
            int length = in.readInt();
            byte status = in.readByte();
            int id = in.readInt();
            String reason = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
            assertThat(length).isEqualTo(1 + 4 + 2 + reason.getBytes(StandardCharsets.UTF_8).length);
            return new RawAnswer(status, id, reason, raw.read() == -1);
        }
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
