package io.coldtier.handover;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The VMM's end of one hand-over connection: {@link #connect} sends the hello with the uffd and memfds attached and
 * waits for the verdict; afterwards the open connection is the VMM's liveness signal to the agent, and a reader
 * thread ({@code handover-client-<vmId>}) serves the agent's zap requests and notices when the agent goes away.
 *
 * <p>The VMM must keep its own uffd (and memfds, mappings) open for as long as the guest runs, whatever happens to
 * this connection: if the agent dies, evicted pages stay in the tier and faulting threads wait in the kernel until a
 * new agent accepts the same hand-over again.
 */
public final class HandOverClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HandOverClient.class.getName());

    /** Zaps ranges of the VMM's own address space (MADV_DONTNEED); throws to report a failure to the agent. */
    @FunctionalInterface
    public interface ZapHandler {
        void zap(List<Message.Range> ranges) throws Exception;
    }

    private final Connection connection;
    private final Message.Accepted accepted;
    private final ZapHandler zapHandler;
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final CompletableFuture<Message.Detached> detached = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicReference<Thread> reader = new AtomicReference<>();

    private HandOverClient(Connection connection, Message.Accepted accepted, ZapHandler zapHandler) {
        this.connection = connection;
        this.accepted = accepted;
        this.zapHandler = zapHandler;
    }

    /**
     * Connects, hands over, and waits up to {@code verdictTimeout} for the verdict (an agent recovering evicted
     * pages after a restart may take a few seconds).
     *
     * @param uffd       the userfaultfd (UFFDIO_API done); stays the caller's
     * @param memfds     memfd {@code i} for memfd_index {@code i}; stay the caller's
     * @param zapHandler required iff {@code hello} announces {@link Protocol#CAP_ZAP}
     * @throws HandOverRejectedException if the agent rejected the hand-over
     * @throws IllegalStateException     if the connection failed or no verdict came in time
     */
    public static HandOverClient connect(Path socket, Message.Hello hello, int uffd, int[] memfds,
                                         Duration verdictTimeout, ZapHandler zapHandler) {
        Objects.requireNonNull(hello, "hello");
        if (hello.capabilities().contains(Protocol.CAP_ZAP) && zapHandler == null) {
            throw new IllegalArgumentException("the hello announces '" + Protocol.CAP_ZAP + "' but no zap handler");
        }
        int[] fds = new int[1 + memfds.length];
        fds[0] = uffd;
        System.arraycopy(memfds, 0, fds, 1, memfds.length);
        Connection c = Connection.connect(socket);
        try {
            try {
                c.send(hello, fds);
            } catch (RuntimeException sendFailed) {
                // The agent may have rejected us before reading (uid check) and closed: its answer is still
                // readable, and says more than EPIPE.
                if (awaitVerdictQuietly(c) instanceof Message.Rejected r) {
                    throw new HandOverRejectedException(r);
                }
                throw sendFailed;
            }
            Message verdict = awaitVerdict(c, verdictTimeout);
            switch (verdict) {
                case Message.Accepted a -> {
                    HandOverClient client = new HandOverClient(c, a, zapHandler);
                    Thread t = Thread.ofPlatform().name("handover-client-" + hello.vmId()).daemon(true)
                            .unstarted(client::readLoop);
                    client.reader.set(t);
                    t.start();
                    return client;
                }
                case Message.Rejected r -> throw new HandOverRejectedException(r);
                default -> throw new IllegalStateException("agent answered the hello with '" + verdict.type() + "'");
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static Message awaitVerdict(Connection c, Duration timeout) {
        Connection.Received r = c.receive(timeout);
        return switch (r) {
            case Connection.Got g -> {
                try (Connection.Frame f = g.frame()) {
                    yield MessageCodec.decode(f.body());
                }
            }
            case Connection.TimedOut t -> throw new IllegalStateException("no verdict from the agent within " + timeout);
            case Connection.Closed cl -> throw new IllegalStateException("the agent closed the connection without a"
                    + " verdict");
        };
    }

    private static Message awaitVerdictQuietly(Connection c) {
        try {
            return awaitVerdict(c, Duration.ofSeconds(1));
        } catch (RuntimeException e) {
            return null;
        }
    }

    public Message.Accepted accepted() {
        return accepted;
    }

    /** Completes (with a reason) when the connection ends: agent gone, detached, or {@link #close()}. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /** On the reader thread: zap requests, the detach answer, end of stream. */
    private void readLoop() {
        String why = "closed";
        try {
            while (true) {
                Connection.Received r = connection.receive(Duration.ofSeconds(1));
                if (r instanceof Connection.Closed) {
                    why = closing.get() ? "closed by the VMM" : "the agent closed the connection";
                    break;
                }
                if (r instanceof Connection.Got g) {
                    try (Connection.Frame f = g.frame()) {
                        handle(MessageCodec.decode(f.body()));
                    }
                }
            }
        } catch (RuntimeException e) {
            why = "connection failed: " + e;
            LOG.log(Level.WARNING, "hand-over connection of " + accepted.vmId() + " failed", e);
        } finally {
            connection.close();
            detached.completeExceptionally(new IllegalStateException("connection ended: " + why));
            closed.complete(why);
        }
    }

    private void handle(Message m) {
        switch (m) {
            case Message.ZapRequest z -> {
                boolean ok = true;
                String msg = "";
                try {
                    if (zapHandler == null) {
                        throw new IllegalStateException("this VMM did not announce '" + Protocol.CAP_ZAP + "'");
                    }
                    zapHandler.zap(z.ranges());
                } catch (Exception e) {
                    ok = false;
                    msg = String.valueOf(e.getMessage());
                }
                connection.send(new Message.ZapDone(z.id(), ok, msg));
            }
            case Message.Detached d -> detached.complete(d);
            default -> LOG.warning(() -> "ignoring unexpected '" + m.type() + "' from the agent");
        }
    }

    /**
     * Sends a goodbye and waits for the agent's answer. With {@link Protocol#GOODBYE_DETACH} every evicted page is
     * back in memory and the regions are unregistered when this returns.
     *
     * @return restored pages
     * @throws IllegalStateException if the agent did not answer within {@code timeout}
     */
    public long goodbye(String reason, Duration timeout) {
        connection.send(new Message.Goodbye(reason));
        try {
            return detached.get(timeout.toMillis(), TimeUnit.MILLISECONDS).restoredPages();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the agent's answer to goodbye", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("no answer to goodbye(" + reason + ") within " + timeout + ": " + e, e);
        }
    }

    /** Drops the connection (the agent sees end of stream) and waits for the reader thread. Idempotent. */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            connection.requestStop();
        }
        Thread t = reader.get();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
