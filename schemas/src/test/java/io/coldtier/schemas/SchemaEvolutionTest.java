package io.coldtier.schemas;

import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** Records cross schema versions in both directions, through the fingerprints in the header. */
@Tag("unit")
@Timeout(30)
class SchemaEvolutionTest {
    static final Schema FAULT_EVENT_V1 = SchemaHistory.parse("FaultEvent-v1.avsc");

    static byte[] encodeGeneric(Schema writer, GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void oldReader_readsNewWritersFaultEvent_ignoringTheNewFields() throws IOException {
        FaultEvent current = Fixtures.faultEvent();
        byte[] bytes = Codec.encode(current);
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(Codec.schemaFor(fp)).contains(FaultEvent.getClassSchema());

        // A v1 consumer: reader schema v1, writer schema resolved from the header through the Codec's store.
        BinaryMessageDecoder<GenericRecord> v1Reader =
                new BinaryMessageDecoder<>(GenericData.get(), FAULT_EVENT_V1, Codec.schemaStore());
        GenericRecord old = v1Reader.decode(bytes);

        assertThat(old.getSchema()).isEqualTo(FAULT_EVENT_V1);
        assertThat(old.get("vmId")).hasToString("vm-1");
        assertThat(old.get("region")).isEqualTo(0);
        assertThat(old.get("cycle")).isEqualTo(17L);
        assertThat(old.get("kind")).hasToString("REFAULT");
        assertThat(old.get("page")).isEqualTo(1234L);
        assertThat(old.get("latencyNanos")).isEqualTo(41_000L);
        // No conversion registered: the generic reader sees the raw micros.
        assertThat(old.get("at")).isEqualTo(current.getAt().getEpochSecond() * 1_000_000
                + current.getAt().getNano() / 1_000);
        assertThat(old.hasField("pageVersion")).isFalse();
        assertThat(old.hasField("prefetched")).isFalse();
    }

    @Test
    void newReader_readsOldWritersFaultEvent_withDefaultsForTheNewFields() {
        GenericRecord old = new GenericData.Record(FAULT_EVENT_V1);
        old.put("vmId", "vm-9");
        old.put("region", 2);
        old.put("cycle", 5L);
        old.put("at", 1_700_000_000_123_456L);
        old.put("kind", new GenericData.EnumSymbol(FAULT_EVENT_V1.getField("kind").schema(), "TRAP"));
        old.put("page", 77L);
        old.put("latencyNanos", 900L);
        byte[] bytes = encodeGeneric(FAULT_EVENT_V1, old);

        FaultEvent current = Codec.decode(bytes, FaultEvent.class);

        assertThat(current.getVmId()).isEqualTo("vm-9");
        assertThat(current.getRegion()).isEqualTo(2);
        assertThat(current.getCycle()).isEqualTo(5L);
        assertThat(current.getAt()).isEqualTo(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_000L));
        assertThat(current.getKind()).isEqualTo(FaultKind.TRAP);
        assertThat(current.getPage()).isEqualTo(77L);
        assertThat(current.getLatencyNanos()).isEqualTo(900L);
        assertThat(current.getPageVersion()).isEqualTo(-1L);
        assertThat(current.getPrefetched()).isZero();
    }

    @Test
    void historyVersion_hasItsOwnFingerprint_andTheCodecKnowsIt() {
        long v1 = Codec.fingerprint(FAULT_EVENT_V1);

        assertThat(v1).isNotEqualTo(Codec.fingerprint(FaultEvent.getClassSchema()));
        assertThat(Codec.schemaFor(v1)).contains(FAULT_EVENT_V1);
    }
}
