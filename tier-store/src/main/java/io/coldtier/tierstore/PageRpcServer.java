package io.coldtier.tierstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Serves refault fetches from a {@link PageStore} over the length-prefixed TCP protocol described in the
 * module README.
 *
 * <p>Blocking sockets with one platform thread per connection: agents are few (one per host), and on these
 * machines a blocking socket with TCP_NODELAY is the latency floor (stack-notes Q9: 9–21 µs p50 per 4 KiB
 * page, against 23–31 µs for a reactive framing layer). A malformed frame gets BAD_REQUEST with a reason and
 * that connection is closed; other connections are unaffected.
 */
public final class PageRpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PageRpcServer.class.getName());
    private static final long JOIN_MILLIS = 5_000;

    /**
     * Counters since start.
     *
     * @param connectionsAccepted connections ever accepted
     * @param openConnections     connections open now
     * @param requests            well-formed requests answered (OK or ERROR)
     * @param pagesFound          page entries sent with found = 1
     * @param badRequests         BAD_REQUEST answers (each closed its connection)
     * @param errors              ERROR answers (the store failed)
     * @param bytesIn             request bytes read, length prefixes included
     * @param bytesOut            response bytes written, length prefixes included
     */
    public record Stats(long connectionsAccepted, int openConnections, long requests, long pagesFound,
                        long badRequests, long errors, long bytesIn, long bytesOut) {
    }

    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder pagesFound = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();

    private final PageStore store;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<RpcConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PageRpcServer(PageStore store, ServerSocket listener) {
        this.store = store;
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().daemon(true)
                .name("tier-store-rpc-acceptor-" + listener.getLocalPort()).unstarted(this::acceptLoop);
    }

    /** Binds {@code bind} (port 0 picks a free port, see {@link #port()}) and starts accepting. */
    public static PageRpcServer start(PageStore store, InetSocketAddress bind) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(bind, "bind");
        ServerSocket listener = null;
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true); // restart on the same port while old connections sit in TIME_WAIT
            listener.bind(bind, 64);
        } catch (IOException e) {
            closeQuietly(listener);
            throw new TierStoreException("tier-store rpc for " + store + ": cannot listen on " + bind + ": " + e, e);
        }
        PageRpcServer server = new PageRpcServer(store, listener);
        server.acceptor.start();
        return server;
    }

    /** The bound port. */
    public int port() {
        return listener.getLocalPort();
    }

    /** The bound address (loopback or wildcard, and {@link #port()}). */
    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    public Stats stats() {
        return new Stats(connectionsAccepted.sum(), connections.size(), requests.sum(), pagesFound.sum(),
                badRequests.sum(), errors.sum(), bytesIn.sum(), bytesOut.sum());
    }

    PageStore store() {
        return store;
    }

    /** Closes the listener and every connection and joins their threads; idempotent. Leaves the store open. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(listener);
        List<RpcConnection> open;
        synchronized (connections) {
            open = new ArrayList<>(connections);
        }
        open.forEach(RpcConnection::closeSocket);
        join(acceptor);
        open.forEach(c -> join(c.thread()));
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                // e.g. EMFILE: keep serving the connections we have; back off so we do not spin.
                LOG.log(System.Logger.Level.WARNING, "accept on port " + port() + " failed: " + e);
                sleepQuietly(50);
                continue;
            }
            try {
                s.setTcpNoDelay(true); // one small request, one reply: never wait for Nagle
            } catch (IOException e) {
                closeQuietly(s);
                continue;
            }
            RpcConnection c = new RpcConnection(this, s);
            synchronized (connections) {
                if (closed.get()) {
                    closeQuietly(s);
                    return;
                }
                connections.add(c);
            }
            connectionsAccepted.increment();
            c.thread().start();
        }
    }

    void unregister(RpcConnection c) {
        connections.remove(c);
    }

    private static void join(Thread t) {
        try {
            t.join(JOIN_MILLIS);
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, t.getName() + " did not stop within " + JOIN_MILLIS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (!(e instanceof IOException || e instanceof UncheckedIOException)) {
                LOG.log(System.Logger.Level.DEBUG, "close failed", e);
            }
        }
    }
}
