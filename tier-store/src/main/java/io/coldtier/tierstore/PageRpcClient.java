package io.coldtier.tierstore;

import io.coldtier.tierstore.internal.Codec;
import io.coldtier.tierstore.internal.MalformedFrameException;
import io.coldtier.tierstore.internal.Protocol;
import io.coldtier.tierstore.internal.Request;
import io.coldtier.tierstore.internal.WireBuffer;
import io.coldtier.tierstore.internal.WireReader;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Client of {@link PageRpcServer}: fetches evicted pages on refault.
 *
 * <p>Thread-safe by being {@code synchronized}: one connection, one request in flight at a time. A refault
 * handler that wants parallel fetches uses one client per thread (connections are cheap, the server gives
 * each its own thread).
 *
 * <p>Failure handling: if the connection turns out to be broken (reset, end of stream, write failure), the
 * client reconnects once and repeats the request; every request is a read, so repeating it is safe. A
 * timeout (default 2 s, applied to connecting and to each read) is not retried: the connection is dropped
 * and the call fails. BAD_REQUEST (the server then closes the connection) and ERROR answers fail with the
 * server's reason. All failures are {@link TierStoreException}s starting with {@code "tier-store host:port: "}.
 */
public final class PageRpcClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final InetSocketAddress address;
    private final int timeoutMillis;
    private final String name;
    private final WireBuffer wire = new WireBuffer(4 * 1024);
    private byte[] payload = new byte[16 * 1024];
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int lastRequestId;
    private boolean closed;

    private PageRpcClient(InetSocketAddress address, Duration timeout) {
        this.address = address;
        this.timeoutMillis = Math.toIntExact(Math.max(1, timeout.toMillis()));
        this.name = "tier-store " + address.getHostString() + ":" + address.getPort();
    }

    /** Connects with the {@linkplain #DEFAULT_TIMEOUT default 2 s timeout}. */
    public static PageRpcClient connect(InetSocketAddress address) {
        return connect(address, DEFAULT_TIMEOUT);
    }

    /** Connects now (failing fast if the server is not there); {@code timeout} bounds connect and each read. */
    public static PageRpcClient connect(InetSocketAddress address, Duration timeout) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        PageRpcClient c = new PageRpcClient(address, timeout);
        synchronized (c) {
            c.open();
        }
        return c;
    }

    /** One page, or empty if the store does not have it. */
    public synchronized Optional<StoredPage> get(String vmId, int region, long page) {
        new PageStoreKey(vmId, region, page); // reject locally what the server would reject
        long[] pages = {page};
        return call("GET " + vmId + "/" + region + "/" + page, id -> new Request.Get(id, vmId, region, page),
                r -> Codec.decodePages(r, vmId, region, pages)).getFirst();
    }

    /** Up to {@value Protocol#MAX_BATCH} pages of one region, aligned with {@code pages}. */
    public synchronized List<Optional<StoredPage>> getBatch(String vmId, int region, long[] pages) {
        Objects.requireNonNull(pages, "pages");
        if (pages.length > Protocol.MAX_BATCH) {
            throw new IllegalArgumentException(pages.length + " pages in one batch; the limit is "
                    + Protocol.MAX_BATCH + ", split the request");
        }
        for (long p : pages) {
            new PageStoreKey(vmId, region, p);
        }
        if (pages.length == 0) {
            return List.of();
        }
        long[] copy = pages.clone();
        return call("BATCH_GET of " + copy.length + " pages of " + vmId + "/" + region,
                id -> new Request.BatchGet(id, vmId, region, copy), r -> Codec.decodePages(r, vmId, region, copy));
    }

    /** A round trip with no store access; returns how long it took. */
    public synchronized Duration ping() {
        long start = System.nanoTime();
        call("PING", Request.Ping::new, r -> Codec.decodePages(r, "-", 0, new long[0]));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Closes the connection; idempotent. Later calls fail. */
    @Override
    public synchronized void close() {
        closed = true;
        disconnect();
    }

    @Override
    public String toString() {
        return name;
    }

    private interface Decoder<T> {
        T decode(WireReader r);
    }

    private <T> T call(String what, IntFunction<Request> request, Decoder<T> decoder) {
        if (closed) {
            throw new TierStoreException(name + ": client is closed");
        }
        int id = ++lastRequestId;
        Codec.encode(request.apply(id), wire);
        for (int attempt = 1; ; attempt++) {
            if (socket == null) {
                open();
            }
            try {
                wire.writeFrameTo(out);
                return readResponse(what, id, decoder);
            } catch (SocketTimeoutException e) {
                disconnect(); // a late answer would be read as the answer to the next request
                throw new TierStoreException(name + ": no answer to " + what + " within " + timeoutMillis + " ms", e);
            } catch (IOException e) {
                disconnect();
                if (attempt == 2) {
                    throw new TierStoreException(name + ": " + what + " failed, also after reconnecting: " + e, e);
                }
            }
        }
    }

    private <T> T readResponse(String what, int id, Decoder<T> decoder) throws IOException {
        int length = readFrameLength();
        if (length < Protocol.RESPONSE_HEADER || length > Protocol.MAX_FRAME) {
            throw protocolError(what, "frame length " + length);
        }
        if (payload.length < length) {
            payload = new byte[Math.max(length, payload.length * 2)];
        }
        int read = in.readNBytes(payload, 0, length);
        if (read < length) {
            throw new EOFException("connection ended inside a " + length + "-byte response after " + read);
        }
        WireReader r = new WireReader(payload, length, "response to " + what);
        try {
            byte status = r.getByte("status");
            int rid = r.getInt("requestId");
            switch (status) {
                case Protocol.STATUS_OK -> {
                    if (rid != id) {
                        throw protocolError(what, "answer has requestId " + rid + ", expected " + id);
                    }
                    return decoder.decode(r);
                }
                case Protocol.STATUS_BAD_REQUEST -> {
                    String reason = r.getString("reason");
                    disconnect(); // the server closes the connection after BAD_REQUEST
                    throw new TierStoreException(name + ": server rejected " + what + " (BAD_REQUEST): " + reason);
                }
                case Protocol.STATUS_ERROR -> {
                    String reason = r.getString("reason");
                    if (rid != id) {
                        throw protocolError(what, "answer has requestId " + rid + ", expected " + id);
                    }
                    throw new TierStoreException(name + ": server failed " + what + " (ERROR): " + reason);
                }
                default -> throw protocolError(what, "unknown status " + status);
            }
        } catch (MalformedFrameException e) {
            throw protocolError(what, e.getMessage());
        }
    }

    private int readFrameLength() throws IOException {
        int a = in.read();
        int b = in.read();
        int c = in.read();
        int d = in.read();
        if ((a | b | c | d) < 0) {
            throw new EOFException("connection ended before a response");
        }
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    private TierStoreException protocolError(String what, String detail) {
        disconnect();
        return new TierStoreException(name + ": malformed response to " + what + ": " + detail);
    }

    private void open() {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            PageRpcServer.closeQuietly(s);
            throw new TierStoreException(name + ": cannot connect: " + e, e);
        }
    }

    private void disconnect() {
        PageRpcServer.closeQuietly(socket);
        socket = null;
        in = null;
        out = null;
    }
}
