package io.coldtier.handover;

import io.coldtier.linux.Errno;
import io.coldtier.linux.NativeException;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.Poll;
import io.coldtier.linux.UnixSocket;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One end of a hand-over connection: length-prefixed JSON frames over an AF_UNIX stream socket, descriptors
 * riding along as SCM_RIGHTS. Owns the socket.
 *
 * <p>Threading: one thread reads ({@link #receive}), any thread may {@link #send}. {@link #close()} and
 * {@link #send} share a lock, so a send never uses a descriptor number the kernel already reused; the reader
 * polls in short slices and sees {@link #requestStop()} within {@value #POLL_SLICE_MS} ms (closing a descriptor
 * does not wake a thread blocked on it in Linux, so nobody relies on that).
 */
public final class Connection implements AutoCloseable {
    static final int POLL_SLICE_MS = 100;
    /** Descriptors one receive accepts; more than this arrives as MSG_CTRUNC (the kernel closes the rest). */
    static final int MAX_RECEIVED_FDS = 2 * Protocol.MAX_MEMFDS + 2;

    /**
     * One received frame: the JSON body, the descriptors that arrived with it (owned by the frame until taken), and
     * whether the kernel dropped descriptors that did not fit (MSG_CTRUNC).
     */
    public record Frame(byte[] body, List<OwnedFd> fds, boolean controlTruncated) implements AutoCloseable {
        /** Closes every descriptor nobody took over. */
        @Override
        public void close() {
            fds.forEach(OwnedFd::close);
        }
    }

    /** What {@link #receive} found. */
    public sealed interface Received {}

    /** A complete frame. */
    public record Got(Frame frame) implements Received {}

    /** Nothing complete within the timeout (a partial frame stays buffered). */
    public record TimedOut(int bufferedBytes) implements Received {}

    /** End of stream (or {@link #requestStop()}); {@code partialBytes} of an unfinished frame were discarded. */
    public record Closed(int partialBytes) implements Received {}

    private final UnixSocket socket;
    private final UnixSocket.PeerCredentials peer;
    private final Object writeLock = new Object();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<OwnedFd> pendingFds = new ArrayList<>();
    private byte[] buf = new byte[4096];
    private int len;
    private boolean truncated;
    private boolean eof;

    private Connection(UnixSocket socket) {
        this.socket = socket;
        this.peer = socket.peerCredentials();
    }

    /** Wraps an accepted or connected socket, which it then owns. */
    public static Connection of(UnixSocket socket) {
        try {
            return new Connection(socket);
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Connects to the agent's socket at {@code path}. */
    public static Connection connect(Path path) {
        return of(UnixSocket.connect(path));
    }

    /** SO_PEERCRED of the other end, as the kernel recorded it at connect time. */
    public UnixSocket.PeerCredentials peer() {
        return peer;
    }

    /**
     * Sends {@code m} as one frame, with {@code fds} attached to its first byte. The descriptors stay the
     * caller's (the peer gets duplicates).
     */
    public void send(Message m, int... fds) {
        byte[] body = MessageCodec.encode(m);
        ByteBuffer frame = ByteBuffer.allocate(Protocol.LENGTH_BYTES + body.length);
        frame.putInt(body.length).put(body);
        synchronized (writeLock) {
            if (closed.get()) {
                throw new IllegalStateException("connection is closed; cannot send " + m.type());
            }
            socket.send(frame.array(), fds);
        }
    }

    /** Sends raw bytes (a frame or garbage) with descriptors: for tests of hostile input. */
    void sendRaw(byte[] bytes, int... fds) {
        synchronized (writeLock) {
            socket.send(bytes, fds);
        }
    }

    /**
     * Waits up to {@code timeout} for the next complete frame. All descriptors received since the previous frame
     * are attached to this one (the protocol allows them only on the hello, which must be the first frame).
     *
     * @throws HandOverException TOO_LARGE / MALFORMED if the length prefix is out of range; the stream is then
     *                           unusable
     */
    public Received receive(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = takeFrame();
            if (f != null) {
                return new Got(f);
            }
            if (eof || stop.get()) {
                int partial = len;
                len = 0;
                closePending();
                return new Closed(partial);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return new TimedOut(len);
            }
            int slice = (int) Math.min(POLL_SLICE_MS, Math.max(1, left / 1_000_000));
            if (Poll.readable(socket.fd(), slice)) {
                readOnce();
            }
        }
    }

    private void readOnce() {
        UnixSocket.Received r;
        try {
            r = socket.receive(Math.max(4096, Protocol.MAX_MESSAGE_BYTES + Protocol.LENGTH_BYTES - len),
                    MAX_RECEIVED_FDS);
        } catch (NativeException e) {
            if (e.errno() != Errno.ECONNRESET) {
                throw e;
            }
            // AF_UNIX reports ECONNRESET when the peer closed with our messages still unread in its queue: for
            // this protocol that is just the end of the connection.
            eof = true;
            return;
        }
        pendingFds.addAll(r.fds());
        truncated |= r.controlTruncated();
        if (r.data().length == 0) {
            eof = true;
            return;
        }
        if (buf.length < len + r.data().length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + r.data().length));
        }
        System.arraycopy(r.data(), 0, buf, len, r.data().length);
        len += r.data().length;
    }

    private Frame takeFrame() {
        if (len < Protocol.LENGTH_BYTES) {
            return null;
        }
        long n = ByteBuffer.wrap(buf, 0, Protocol.LENGTH_BYTES).getInt() & 0xffff_ffffL;
        if (n > Protocol.MAX_MESSAGE_BYTES) {
            eof = true; // the rest of the stream cannot be framed any more
            closePending();
            throw new HandOverException(RejectCode.TOO_LARGE, "frame length prefix announces " + n
                    + " bytes; the limit is " + Protocol.MAX_MESSAGE_BYTES);
        }
        if (n == 0) {
            eof = true;
            closePending();
            throw new HandOverException(RejectCode.MALFORMED, "frame length prefix is 0: an empty message");
        }
        if (len < Protocol.LENGTH_BYTES + n) {
            return null;
        }
        int end = (int) (Protocol.LENGTH_BYTES + n);
        byte[] body = Arrays.copyOfRange(buf, Protocol.LENGTH_BYTES, end);
        System.arraycopy(buf, end, buf, 0, len - end);
        len -= end;
        Frame f = new Frame(body, List.copyOf(pendingFds), truncated);
        pendingFds.clear();
        truncated = false;
        return f;
    }

    private void closePending() {
        pendingFds.forEach(OwnedFd::close);
        pendingFds.clear();
    }

    /** Makes the reader's {@link #receive} return {@link Closed} within one poll slice. Any thread. */
    public void requestStop() {
        stop.set(true);
    }

    /** Half-closes the sending side: the peer reads end of stream after what was sent. */
    public void shutdownOutput() {
        synchronized (writeLock) {
            if (!closed.get()) {
                socket.shutdownOutput();
            }
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Closes the socket and any descriptors received but not handed out. Idempotent. Call it from the reading
     * thread, or when no thread is inside {@link #receive}.
     */
    @Override
    public void close() {
        synchronized (writeLock) {
            if (closed.compareAndSet(false, true)) {
                socket.close();
            }
        }
        closePending();
    }
}
