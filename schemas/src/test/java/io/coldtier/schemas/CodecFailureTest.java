package io.coldtier.schemas;

import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class CodecFailureTest {

    static String reason(byte[] bytes) {
        Decoded d = Codec.decode(bytes);
        assertThat(d).isInstanceOf(Decoded.Failed.class);
        return ((Decoded.Failed) d).reason();
    }

    static byte[] header(byte[] valid) {
        return Arrays.copyOf(valid, 10);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void decode_nullOrZeroBytes_failsAsEmptyValue() {
        assertThat(reason(null)).isEqualTo("empty value");
        assertThat(reason(new byte[0])).isEqualTo("empty value");
    }

    @Test
    void decode_json_failsWithBadMagicShowingTheFirstBytes() {
        assertThat(reason("{\"vmId\":\"vm-1\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("not Avro single-object encoding (bad magic 0x7B22, expected 0xC301)");
    }

    @Test
    void decode_oneByteOfMarker_failsWithBadMagic() {
        assertThat(reason(new byte[] {(byte) 0xC3})).startsWith("not Avro single-object encoding (bad magic 0xC3,");
    }

    @Test
    void decode_markerWithShortFingerprint_failsAsTruncatedHeader() {
        byte[] bytes = Arrays.copyOf(Codec.encode(Fixtures.faultEvent()), 6);

        assertThat(reason(bytes)).isEqualTo(
                "truncated Avro single-object header: 6 bytes, need 10 (marker and 8-byte fingerprint)");
    }

    @Test
    void decode_unregisteredSchema_failsNamingTheFingerprintAndTheKnownCount() {
        Schema stranger = new Schema.Parser().parse("""
                {"type":"record","name":"Stranger","namespace":"elsewhere","fields":[{"name":"x","type":"int"}]}""");
        GenericRecord r = new GenericData.Record(stranger);
        r.put("x", 1);
        byte[] bytes = SchemaEvolutionTest.encodeGeneric(stranger, r);

        assertThat(reason(bytes)).isEqualTo(String.format(
                "unknown schema fingerprint 0x%016X (not one of %d known schemas)",
                Codec.fingerprint(stranger), Codec.knownSchemas().size()));
        assertThat(Codec.knownSchemas()).hasSize(Codec.recordTypes().size() + SchemaHistory.fileNames().size());
    }

    @Test
    void decode_truncatedBody_failsAsMalformedForTheRecordName() {
        byte[] valid = Codec.encode(Fixtures.scanResult());

        String reason = reason(Arrays.copyOf(valid, valid.length - 3));

        assertThat(reason).isEqualTo(
                "malformed Avro for ScanResult: truncated: the bytes end inside the record (EOFException)");
    }

    @Test
    void decode_garbageAfterAValidHeader_failsAsMalformed() {
        // 0xFF... is an over-long varint: the length of vmId cannot even be read.
        byte[] garbage = new byte[16];
        Arrays.fill(garbage, (byte) 0xFF);

        String reason = reason(concat(header(Codec.encode(Fixtures.faultEvent())), garbage));

        assertThat(reason).startsWith("malformed Avro for FaultEvent: ").contains("Invalid long encoding");
    }

    @Test
    void decode_negativeStringLength_failsAsMalformedWithAvrosReason() {
        byte[] negativeLength = new byte[] {0x03, 'x'}; // zig-zag 0x03 = -2

        String reason = reason(concat(header(Codec.encode(Fixtures.faultEvent())), negativeLength));

        assertThat(reason).startsWith("malformed Avro for FaultEvent: ").containsIgnoringCase("negative");
    }

    @Test
    void decode_validRecordFollowedByJunk_failsNamingTheTrailingBytes() {
        byte[] bytes = concat(Codec.encode(Fixtures.faultEvent()), new byte[] {1, 2, 3});

        assertThat(reason(bytes)).isEqualTo("malformed Avro for FaultEvent: 3 trailing bytes after the record");
    }

    @Test
    void decodeTyped_badInput_throwsSchemaExceptionWithTheSameReason() {
        byte[] bytes = "hello".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Codec.decode(bytes, FaultEvent.class))
                .isInstanceOf(SchemaException.class)
                .hasMessage(reason(bytes));
    }

    @Test
    void decodeTyped_otherRecordType_throwsNamingBothTypes() {
        byte[] scan = Codec.encode(Fixtures.scanResult());

        assertThatThrownBy(() -> Codec.decode(scan, FaultEvent.class))
                .isInstanceOf(SchemaException.class)
                .hasMessage("expected FaultEvent but got ScanResult");
    }

    @Test
    void encode_nestedTypeThatIsNoTopicValue_throwsNamingTheTopicTypes() {
        RegionInfo region = new RegionInfo(0, 0L, 4096L, 4096);

        assertThatThrownBy(() -> Codec.encode(region))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("RegionInfo: not one of the topic record types")
                .hasMessageContaining("ScanResult");
    }

    @Test
    void encode_nullInARequiredField_throwsSchemaExceptionNamingTheType() {
        ScanResult broken = ScanResult.newBuilder(Fixtures.scanResult()).build();
        broken.setVmId(null);

        assertThatThrownBy(() -> Codec.encode(broken))
                .isInstanceOf(SchemaException.class)
                .hasMessageStartingWith("cannot encode ScanResult: ");
    }

    @Test
    void encode_null_throwsExplainingTombstones() {
        assertThatThrownBy(() -> Codec.encode(null))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("tombstone");
    }
}
