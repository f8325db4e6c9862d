package io.coldtier.tierstore.internal;

import io.coldtier.tierstore.StoredPage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Golden bytes: these are the examples in the README's protocol section, byte for byte. */
@Tag("unit")
@Timeout(10)
class CodecTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String frame(Request r) throws IOException {
        WireBuffer b = new WireBuffer(16);
        Codec.encode(r, b);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeFrameTo(out);
        return HEX.formatHex(out.toByteArray());
    }

    @Test
    void getRequest_matchesTheReadmeExample() throws IOException {
        assertThat(frame(new Request.Get(7, "vm-1", 2, 4096))).isEqualTo(
                "00000017" + "01" + "00000007" + "0004" + "766d2d31" + "00000002" + "0000000000001000");
    }

    @Test
    void batchGetAndPing_matchTheReadmeExamples() throws IOException {
        assertThat(frame(new Request.BatchGet(8, "vm-1", 0, new long[] {1, 2}))).isEqualTo(
                "00000023" + "02" + "00000008" + "0004" + "766d2d31" + "00000000" + "00000002"
                        + "0000000000000001" + "0000000000000002");
        assertThat(frame(new Request.Ping(9))).isEqualTo("00000005" + "03" + "00000009");
    }

    @Test
    void okResponse_matchesTheReadmeExample() throws IOException {
        StoredPage found = StoredPage.lz4("vm-1", 2, 4096, 3, 0x0a0b0c0d, 4096, new byte[] {(byte) 0xaa, (byte) 0xbb});
        WireBuffer b = new WireBuffer(16);
        Codec.encodeOk(7, new StoredPage[] {found, null}, b);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeFrameTo(out);
        assertThat(HEX.formatHex(out.toByteArray())).isEqualTo("00000022" + "00" + "00000007" + "00000002"
                + "01" + "0000000000000003" + "0a0b0c0d" + "02" + "00001000" + "00000002" + "aabb"
                + "00");
    }

    @Test
    void failureResponse_matchesTheReadmeExample() throws IOException {
        WireBuffer b = new WireBuffer(16);
        Codec.encodeFailure(Protocol.STATUS_BAD_REQUEST, 0, "bad", b);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeFrameTo(out);
        assertThat(HEX.formatHex(out.toByteArray())).isEqualTo("0000000a" + "01" + "00000000" + "0003" + "626164");
    }

    @Test
    void requests_roundTrip() throws IOException {
        for (Request r : List.of(new Request.Get(1, "vm", 0, 5), new Request.Ping(3))) {
            byte[] bytes = HEX.parseHex(frame(r));
            assertThat(Codec.decodeRequest(Arrays.copyOfRange(bytes, 4, bytes.length), bytes.length - 4)).isEqualTo(r);
        }
        byte[] bytes = HEX.parseHex(frame(new Request.BatchGet(2, "vm", 1, new long[] {4, 5, 6})));
        Request.BatchGet b = (Request.BatchGet) Codec.decodeRequest(Arrays.copyOfRange(bytes, 4, bytes.length),
                bytes.length - 4);
        assertThat(b.pages()).containsExactly(4, 5, 6);
    }

    @Test
    void decodeRequest_explainsWhatIsWrong() {
        assertThatThrownBy(() -> decode("09" + "00000001")).hasMessage("unknown op 9 (known: 1 GET, 2 BATCH_GET, 3 PING)");
        assertThatThrownBy(() -> decode("01" + "00000001" + "0004" + "766d2d31" + "00000002"))
                .hasMessage("truncated GET request: needs 8 bytes for page at offset 15, frame has 15");
        assertThatThrownBy(() -> decode("03" + "00000001" + "ff"))
                .hasMessage("PING request: 1 unexpected trailing bytes after 5 bytes");
        assertThatThrownBy(() -> decode("02" + "00000001" + "0002" + "766d" + "00000000" + "00000101"))
                .hasMessage("BATCH_GET request: count 257 is outside 1..256");
        assertThatThrownBy(() -> decode("01" + "00000001" + "0002" + "c328" + "00000000" + "0000000000000000"))
                .hasMessage("GET request: vmId is not valid UTF-8");
        assertThatThrownBy(() -> decode("01" + "00000001" + "0002" + "766d" + "ffffffff" + "0000000000000000"))
                .hasMessage("GET request: region must be >= 0, was -1");
    }

    @Test
    void decodePages_rejectsAResponseThatDoesNotMatchTheRequest() {
        byte[] payload = HEX.parseHex("00000001" + "00");
        WireReader r = new WireReader(payload, payload.length, "response");
        assertThatThrownBy(() -> Codec.decodePages(r, "vm", 0, new long[] {1, 2}))
                .hasMessage("response has 1 entries for 2 requested pages");
        byte[] ok = HEX.parseHex("00000001" + "00");
        assertThat(Codec.decodePages(new WireReader(ok, ok.length, "response"), "vm", 0, new long[] {1}))
                .containsExactly(Optional.empty());
    }

    private static Request decode(String hex) {
        byte[] b = HEX.parseHex(hex);
        return Codec.decodeRequest(b, b.length);
    }
}
