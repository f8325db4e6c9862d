package io.coldtier.tierstore.internal;

/**
 * Constants of the refault-fetch RPC. The byte-exact specification is in the module README ("RPC protocol");
 * keep both in step.
 */
public final class Protocol {
    /** Largest frame payload either side accepts (the 4-byte length prefix not included). */
    public static final int MAX_FRAME = 16 * 1024 * 1024;
    /** Most pages one BATCH_GET may ask for. */
    public static final int MAX_BATCH = 256;
    /** {@code [byte op][int32 requestId]}. */
    public static final int REQUEST_HEADER = 5;
    /** {@code [byte status][int32 requestId]}. */
    public static final int RESPONSE_HEADER = 5;
    /** Longest string on the wire ({@code [int16 length]} is signed, lengths are 0..32767). */
    public static final int MAX_STRING = Short.MAX_VALUE;

    public static final byte OP_GET = 1;
    public static final byte OP_BATCH_GET = 2;
    public static final byte OP_PING = 3;

    public static final byte STATUS_OK = 0;
    public static final byte STATUS_BAD_REQUEST = 1;
    public static final byte STATUS_ERROR = 2;

    /** Bytes of a found page entry before its contents. */
    public static final int ENTRY_HEADER = 1 + 8 + 4 + 1 + 4 + 4;

    private Protocol() {
    }

    public static String opName(byte op) {
        return switch (op) {
            case OP_GET -> "GET";
            case OP_BATCH_GET -> "BATCH_GET";
            case OP_PING -> "PING";
            default -> "op " + (op & 0xff);
        };
    }
}
