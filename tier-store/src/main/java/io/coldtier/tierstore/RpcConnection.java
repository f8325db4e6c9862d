package io.coldtier.tierstore;

import io.coldtier.tierstore.internal.Codec;
import io.coldtier.tierstore.internal.MalformedFrameException;
import io.coldtier.tierstore.internal.Protocol;
import io.coldtier.tierstore.internal.Request;
import io.coldtier.tierstore.internal.WireBuffer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One server-side connection and its platform thread: read a frame, answer it, repeat. Any protocol
 * violation is answered with BAD_REQUEST and ends the connection; a store failure is answered with ERROR
 * and the connection goes on.
 */
final class RpcConnection {
    private static final System.Logger LOG = System.getLogger(RpcConnection.class.getName());
    private static final StoredPage[] NO_PAGES = new StoredPage[0];
    /** After BAD_REQUEST, read and drop what the peer still sends for this long, so closing does not RST away the answer. */
    private static final int LINGER_MILLIS = 200;
    private static final int LINGER_MAX_BYTES = 1 << 20;

    private final PageRpcServer server;
    private final Socket socket;
    private final Thread thread;
    private final String peer;
    private final WireBuffer out = new WireBuffer(8 * 1024);
    private byte[] payload = new byte[8 * 1024];

    RpcConnection(PageRpcServer server, Socket socket) {
        this.server = server;
        this.socket = socket;
        this.peer = String.valueOf(socket.getRemoteSocketAddress());
        this.thread = Thread.ofPlatform().daemon(true).name("tier-store-rpc-" + peer).unstarted(this::run);
    }

    Thread thread() {
        return thread;
    }

    void closeSocket() {
        PageRpcServer.closeQuietly(socket);
    }

    private void run() {
        try {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream os = socket.getOutputStream();
            while (serveOne(in, os)) {
                // next frame
            }
        } catch (IOException e) {
            // Peer went away or the server is closing: nobody is left to answer.
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "connection " + peer + " failed", e);
        } finally {
            closeSocket();
            server.unregister(this);
        }
    }

    /** Reads and answers one frame; false when the connection should end. */
    private boolean serveOne(InputStream in, OutputStream os) throws IOException {
        int first = in.read();
        if (first < 0) {
            return false; // clean end of stream between frames
        }
        byte[] header = {(byte) first, 0, 0, 0};
        int got = 1 + readUpTo(in, header, 1, 3);
        if (got < 4) {
            return reject(os, 0, "truncated frame header: " + got + " of 4 length bytes before end of stream");
        }
        int length = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
                | (header[3] & 0xff);
        if (length > Protocol.MAX_FRAME || length < 0) {
            return reject(os, 0, "frame length " + Integer.toUnsignedString(length) + " exceeds the "
                    + Protocol.MAX_FRAME + "-byte limit" + asciiHint(header));
        }
        if (length < Protocol.REQUEST_HEADER) {
            return reject(os, 0, "frame length " + length + " is shorter than the " + Protocol.REQUEST_HEADER
                    + "-byte request header [op][requestId]");
        }
        if (payload.length < length) {
            payload = new byte[Math.max(length, payload.length * 2)];
        }
        int read = readUpTo(in, payload, 0, length);
        server.bytesIn.add(4L + read);
        int requestId = read >= Protocol.REQUEST_HEADER ? readInt(payload, 1) : 0;
        if (read < length) {
            return reject(os, requestId, "truncated frame: length says " + length + " bytes, stream ended after "
                    + read);
        }
        Request request;
        try {
            request = Codec.decodeRequest(payload, length);
        } catch (MalformedFrameException e) {
            return reject(os, requestId, e.getMessage());
        }
        return answer(request, os);
    }

    private boolean answer(Request request, OutputStream os) throws IOException {
        StoredPage[] pages;
        try {
            pages = switch (request) {
                case Request.Get g -> new StoredPage[] {
                        server.store().get(g.vmId(), g.region(), g.page()).orElse(null)};
                case Request.BatchGet b -> server.store().lookupAll(b.vmId(), b.region(), b.pages());
                case Request.Ping _ -> NO_PAGES;
            };
        } catch (RuntimeException e) {
            // The request was fine, the store was not (closed, I/O error, corrupt value): say so, keep serving.
            server.requests.increment();
            server.errors.increment();
            Codec.encodeFailure(Protocol.STATUS_ERROR, request.requestId(), String.valueOf(e.getMessage()), out);
            server.bytesOut.add(out.writeFrameTo(os));
            return true;
        }
        long size = Codec.okSize(pages);
        if (size > Protocol.MAX_FRAME) {
            return reject(os, request.requestId(), "the response would be " + size + " bytes, over the "
                    + Protocol.MAX_FRAME + "-byte frame limit; ask for fewer pages per BATCH_GET");
        }
        server.requests.increment();
        for (StoredPage p : pages) {
            if (p != null) {
                server.pagesFound.increment();
            }
        }
        Codec.encodeOk(request.requestId(), pages, out);
        server.bytesOut.add(out.writeFrameTo(os));
        return true;
    }

    /**
     * Sends BAD_REQUEST, then half-closes and drains briefly before the socket is closed: closing with unread
     * input would make the kernel send RST, and the peer could lose the answer before reading it.
     */
    private boolean reject(OutputStream os, int requestId, String reason) {
        server.badRequests.increment();
        LOG.log(System.Logger.Level.DEBUG, () -> "BAD_REQUEST to " + peer + ": " + reason);
        try {
            Codec.encodeFailure(Protocol.STATUS_BAD_REQUEST, requestId, reason, out);
            server.bytesOut.add(out.writeFrameTo(os));
            socket.shutdownOutput();
            socket.setSoTimeout(LINGER_MILLIS);
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000L;
            int drained = 0;
            while (drained < LINGER_MAX_BYTES && System.nanoTime() < deadline) {
                int n = in.read(sink);
                if (n < 0) {
                    break;
                }
                drained += n;
            }
        } catch (SocketTimeoutException e) {
            // peer kept the connection open without sending: fine, we close it now
        } catch (IOException e) {
            // peer already gone
        }
        return false;
    }

    private static String asciiHint(byte[] header) {
        for (byte b : header) {
            if (b < 0x20 || b > 0x7e) {
                return "";
            }
        }
        return " (the first bytes are ASCII text \"" + new String(header, StandardCharsets.US_ASCII)
                + "\": not a coldtier tier-store client?)";
    }

    private static int readUpTo(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
