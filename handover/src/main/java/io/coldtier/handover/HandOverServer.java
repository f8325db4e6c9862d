package io.coldtier.handover;

import io.coldtier.linux.NativeException;
import io.coldtier.linux.Poll;
import io.coldtier.linux.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's end: listens on a Unix socket, and for each connection (on its own platform thread
 * {@code handover-conn-<n>}, renamed {@code handover-<vmId>} once accepted) checks the peer's uid, reads the hello
 * within {@link Config#helloTimeout()}, validates it, asks the {@link Host} to attach, sends the verdict and then
 * lets the attachment run the session on that thread until it ends.
 *
 * <p>Isolation: anything that goes wrong on one connection (malformed input, a hostile peer, an exception in the
 * host) is answered on that connection (when still possible) and logged; the accept loop and other connections go
 * on. A rejection closes every descriptor received and changes nothing.
 */
public final class HandOverServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HandOverServer.class.getName());
    private static final long LINGER_MS = 200;

    /**
     * @param socketPath   where to listen (a stale socket file left by a dead agent is replaced; a live one is not)
     * @param allowedUids  SO_PEERCRED uids allowed to hand over
     * @param helloTimeout how long a connection may take to deliver its hello
     */
    public record Config(Path socketPath, Set<Integer> allowedUids, Duration helloTimeout) {
        public Config {
            Objects.requireNonNull(socketPath, "socketPath");
            allowedUids = Set.copyOf(allowedUids);
            Objects.requireNonNull(helloTimeout, "helloTimeout");
        }

        public static Config of(Path socketPath, Set<Integer> allowedUids) {
            return new Config(socketPath, allowedUids, Protocol.HELLO_TIMEOUT);
        }
    }

    /** Who takes validated hand-overs: the agent host. */
    public interface Host {
        /**
         * Attaches a validated hand-over. Returning normally takes ownership of {@code h}'s descriptors; throwing a
         * {@link HandOverException} rejects it (the server then closes {@code h}). Must not start anything that
         * talks to the VMM before {@link Attachment#run()}: the verdict goes first.
         */
        Attachment attach(ValidatedHandOver h, Connection c);
    }

    /** An accepted hand-over, waiting for its verdict to be sent. */
    public interface Attachment {
        Message.Accepted verdict();

        /**
         * Runs the session on the connection's thread, after the verdict was sent, until it ends (peer gone, goodbye,
         * host stopping). The server closes the connection afterwards.
         */
        void run();

        /** The verdict could not be sent (the peer went away): undo the attach. */
        void abort(Exception why);
    }

    /** Counters for reports and tests; {@code rejectedByCode} is keyed by wire code. */
    public record Stats(long connections, long accepted, long rejected, Map<String, Long> rejectedByCode) {}

    private final Config config;
    private final Host host;
    private final HandOverValidator validator;
    private final UnixSocket listener;
    private final Thread acceptor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger connectionNumber = new AtomicInteger();
    private final LongAdder connections = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();

    private HandOverServer(Config config, Host host, UnixSocket listener) {
        this.config = config;
        this.host = host;
        this.validator = new HandOverValidator(config.allowedUids());
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().name("handover-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code config.socketPath()} and starts accepting.
     *
     * @throws IllegalStateException if another process is listening there
     */
    public static HandOverServer start(Config config, Host host) {
        removeStaleSocket(config.socketPath());
        UnixSocket listener = UnixSocket.listen(config.socketPath(), 64);
        HandOverServer s = new HandOverServer(config, host, listener);
        s.acceptor.start();
        LOG.info(() -> "hand-over socket listening at " + config.socketPath() + ", allowed uids "
                + config.allowedUids());
        return s;
    }

    /** A socket file nobody accepts on (left by a killed agent) is removed; a live listener is an error. */
    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IllegalStateException(path + " exists and is not a socket; refusing to replace it");
        }
        UnixSocket probe;
        try {
            probe = UnixSocket.connect(path);
        } catch (NativeException refused) {
            try {
                Files.delete(path);
                LOG.info(() -> "removed stale hand-over socket " + path + " (" + refused.getMessage() + ")");
            } catch (IOException e) {
                throw new IllegalStateException("cannot remove stale socket " + path + ": " + e, e);
            }
            return;
        }
        probe.close();
        throw new IllegalStateException("another process is listening on " + path + "; refusing to replace it");
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = ((Number) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue();
            return (mode & 0170000) == 0140000; // S_IFMT, S_IFSOCK
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public Path socketPath() {
        return config.socketPath();
    }

    public Stats stats() {
        Map<String, Long> byCode = new java.util.TreeMap<>();
        rejected.forEach((k, v) -> byCode.put(k, v.sum()));
        return new Stats(connections.sum(), accepted.sum(), byCode.values().stream().mapToLong(Long::longValue).sum(),
                byCode);
    }

    private void acceptLoop() {
        while (!closed.get()) {
            try {
                if (!Poll.readable(listener.fd(), Connection.POLL_SLICE_MS)) {
                    continue;
                }
                UnixSocket s = listener.accept();
                int n = connectionNumber.incrementAndGet();
                connections.increment();
                Thread.ofPlatform().name("handover-conn-" + n).daemon(true).start(() -> serve(s));
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                // e.g. EMFILE: keep the sessions we have, back off instead of spinning.
                LOG.log(Level.WARNING, "accept on " + config.socketPath() + " failed: " + e);
                sleep(50);
            }
        }
    }

    /** One connection, start to end. Never throws. */
    private void serve(UnixSocket socket) {
        Connection c;
        try {
            c = Connection.of(socket);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "hand-over connection dropped before SO_PEERCRED: " + e);
            return;
        }
        try (c) {
            Attachment a = handshake(c);
            if (a == null) {
                return;
            }
            try {
                c.send(a.verdict());
            } catch (RuntimeException e) {
                LOG.warning(() -> "accepted " + a.verdict().vmId() + " but could not send the verdict: " + e);
                a.abort(e);
                return;
            }
            accepted.increment();
            Thread.currentThread().setName("handover-" + a.verdict().vmId());
            a.run();
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "hand-over connection from pid " + c.peer().pid() + " failed", t);
        }
    }

    /** Peer check, hello, validation, attach. Returns null after sending a rejection. */
    private Attachment handshake(Connection c) {
        var peer = c.peer();
        Connection.Frame frame = null;
        ValidatedHandOver validated = null;
        try {
            validator.checkPeer(peer);
            Connection.Received r = c.receive(config.helloTimeout());
            frame = switch (r) {
                case Connection.Got g -> g.frame();
                case Connection.TimedOut t -> throw new HandOverException(RejectCode.TIMEOUT, "no complete hello within "
                        + config.helloTimeout() + " (" + t.bufferedBytes() + " bytes received)");
                case Connection.Closed cl -> throw new HandOverException(RejectCode.MALFORMED,
                        "connection closed before a complete hello (" + cl.partialBytes() + " bytes received)");
            };
            Message m = MessageCodec.decode(frame.body());
            if (!(m instanceof Message.Hello hello)) {
                throw new HandOverException(RejectCode.UNEXPECTED_MESSAGE, "the first message must be a hello, got '"
                        + m.type() + "'");
            }
            validated = validator.validate(peer, hello, frame.fds(), frame.controlTruncated());
            Attachment a = host.attach(validated, c);
            LOG.info(() -> "accepted hand-over: " + a.verdict());
            return a;
        } catch (HandOverException e) {
            reject(c, peer, e);
        } catch (RuntimeException e) {
            reject(c, peer, new HandOverException(RejectCode.ATTACH_FAILED, e.toString(), e));
        } finally {
            // On success the host owns the descriptors; ValidatedHandOver/Frame close only what nobody took.
            if (validated == null && frame != null) {
                frame.close();
            }
        }
        if (validated != null) {
            validated.close();
        }
        return null;
    }

    private void reject(Connection c, UnixSocket.PeerCredentials peer, HandOverException e) {
        rejected.computeIfAbsent(e.code().wire(), k -> new LongAdder()).increment();
        LOG.warning(() -> "rejected hand-over from pid " + peer.pid() + " uid " + peer.uid() + ": " + e);
        try {
            c.send(e.toRejected());
            lingerAndDiscard(c);
        } catch (RuntimeException sendFailed) {
            LOG.fine(() -> "could not send the rejection to pid " + peer.pid() + ": " + sendFailed);
        }
    }

    /**
     * After a rejection: half-close, then read and drop (closing any descriptors) what the peer still sends, for
     * up to {@value #LINGER_MS} ms. A peer rejected before it sent its hello (uid check) would otherwise get EPIPE on
     * its sendmsg and might never read the rejection.
     */
    private static void lingerAndDiscard(Connection c) {
        c.shutdownOutput();
        long deadline = System.nanoTime() + LINGER_MS * 1_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                Connection.Received r = c.receive(Duration.ofMillis(LINGER_MS));
                if (r instanceof Connection.Got g) {
                    g.frame().close();
                } else {
                    return;
                }
            }
        } catch (RuntimeException ignored) {
            // garbage or a reset: we are closing anyway
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting, closes the listening socket and removes its file. Sessions already running belong to the
     * host, which ends them. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        try {
            Files.deleteIfExists(config.socketPath());
        } catch (IOException e) {
            LOG.warning(() -> "could not remove " + config.socketPath() + ": " + e);
        }
    }
}
