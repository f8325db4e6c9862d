package io.coldtier.tierstore.internal;

import io.coldtier.tierstore.PageStoreKey;
import io.coldtier.tierstore.StoredPage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Encodes and decodes RPC payloads (frames without their length prefix). Spec: module README. */
public final class Codec {
    /** Reasons are cut to this many chars so their UTF-8 (at most 3 bytes a char) fits {@link Protocol#MAX_STRING}. */
    private static final int MAX_REASON_CHARS = Protocol.MAX_STRING / 3;

    private Codec() {
    }

    // ---- requests ---------------------------------------------------------------------------------------

    public static void encode(Request r, WireBuffer out) {
        out.startFrame();
        switch (r) {
            case Request.Get g -> out.putByte(Protocol.OP_GET).putInt(g.requestId())
                    .putString(g.vmId()).putInt(g.region()).putLong(g.page());
            case Request.BatchGet b -> {
                out.putByte(Protocol.OP_BATCH_GET).putInt(b.requestId())
                        .putString(b.vmId()).putInt(b.region()).putInt(b.pages().length);
                for (long p : b.pages()) {
                    out.putLong(p);
                }
            }
            case Request.Ping p -> out.putByte(Protocol.OP_PING).putInt(p.requestId());
        }
    }

    /**
     * Decodes a request payload of at least {@link Protocol#REQUEST_HEADER} bytes.
     *
     * @throws MalformedFrameException with the reason to send back
     */
    public static Request decodeRequest(byte[] payload, int length) {
        byte op = payload[0];
        WireReader in = new WireReader(payload, length, Protocol.opName(op) + " request");
        in.getByte("op");
        int id = in.getInt("requestId");
        Request r = switch (op) {
            case Protocol.OP_GET -> {
                String vmId = in.getString("vmId");
                int region = in.getInt("region");
                long page = in.getLong("page");
                yield new Request.Get(id, vmId, region, page);
            }
            case Protocol.OP_BATCH_GET -> {
                String vmId = in.getString("vmId");
                int region = in.getInt("region");
                int count = in.getInt("count");
                if (count < 1 || count > Protocol.MAX_BATCH) {
                    throw new MalformedFrameException("BATCH_GET request: count " + count + " is outside 1.."
                            + Protocol.MAX_BATCH);
                }
                long[] pages = new long[count];
                for (int i = 0; i < count; i++) {
                    pages[i] = in.getLong("page " + i);
                }
                yield new Request.BatchGet(id, vmId, region, pages);
            }
            case Protocol.OP_PING -> new Request.Ping(id);
            default -> throw new MalformedFrameException("unknown op " + (op & 0xff) + " (known: 1 GET, "
                    + "2 BATCH_GET, 3 PING)");
        };
        in.expectEnd();
        switch (r) {
            case Request.Get g -> checkKey(g.vmId(), g.region(), g.page(), "GET");
            case Request.BatchGet b -> {
                for (long p : b.pages()) {
                    checkKey(b.vmId(), b.region(), p, "BATCH_GET");
                }
            }
            case Request.Ping _ -> { }
        }
        return r;
    }

    private static void checkKey(String vmId, int region, long page, String op) {
        try {
            new PageStoreKey(vmId, region, page);
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException(op + " request: " + e.getMessage());
        }
    }

    // ---- responses --------------------------------------------------------------------------------------

    /** Payload size of an OK response carrying these entries ({@code null} = not found). */
    public static long okSize(StoredPage[] pages) {
        long size = Protocol.RESPONSE_HEADER + 4;
        for (StoredPage p : pages) {
            size += p == null ? 1 : Protocol.ENTRY_HEADER + p.contents().length;
        }
        return size;
    }

    /** {@code [OK][id][int32 count]} then per page {@code [found=0]} or the full entry. */
    public static void encodeOk(int requestId, StoredPage[] pages, WireBuffer out) {
        out.startFrame().putByte(Protocol.STATUS_OK).putInt(requestId).putInt(pages.length);
        for (StoredPage p : pages) {
            if (p == null) {
                out.putByte(0);
            } else {
                out.putByte(1).putLong(p.version()).putInt(p.checksum()).putByte(PageFlags.of(p))
                        .putInt(p.rawLength()).putInt(p.contents().length).putBytes(p.contents());
            }
        }
    }

    /** {@code [BAD_REQUEST|ERROR][id][string reason]}. */
    public static void encodeFailure(byte status, int requestId, String reason, WireBuffer out) {
        String r = reason == null ? "(no reason)" : reason;
        if (r.length() > MAX_REASON_CHARS) {
            r = r.substring(0, MAX_REASON_CHARS - 3) + "...";
        }
        out.startFrame().putByte(status).putInt(requestId).putString(r);
    }

    /**
     * Decodes the entries of an OK response to a GET/BATCH_GET for {@code pages} (after status and id).
     *
     * @throws MalformedFrameException if the response does not match the request
     */
    public static List<Optional<StoredPage>> decodePages(WireReader in, String vmId, int region, long[] pages) {
        int count = in.getInt("count");
        if (count != pages.length) {
            throw new MalformedFrameException("response has " + count + " entries for " + pages.length
                    + " requested pages");
        }
        List<Optional<StoredPage>> out = new ArrayList<>(count);
        for (long page : pages) {
            byte found = in.getByte("found");
            if (found == 0) {
                out.add(Optional.empty());
                continue;
            }
            if (found != 1) {
                throw new MalformedFrameException("found byte " + found + " for page " + page);
            }
            long version = in.getLong("version");
            int checksum = in.getInt("checksum");
            byte flags = in.getByte("flags");
            int rawLength = in.getInt("rawLength");
            int contentLength = in.getInt("contentLength");
            if (contentLength < 0 || contentLength > StoredPage.MAX_CONTENT_LENGTH) {
                throw new MalformedFrameException("contentLength " + contentLength + " for page " + page);
            }
            byte[] contents = in.getBytes(contentLength, "contents");
            try {
                PageFlags.check(flags);
                out.add(Optional.of(new StoredPage(vmId, region, page, version, checksum, PageFlags.zero(flags),
                        PageFlags.compression(flags), rawLength, contents)));
            } catch (IllegalArgumentException e) {
                throw new MalformedFrameException("page " + page + ": " + e.getMessage());
            }
        }
        in.expectEnd();
        return out;
    }
}
