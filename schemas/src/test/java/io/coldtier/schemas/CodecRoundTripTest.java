package io.coldtier.schemas;

import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(30)
class CodecRoundTripTest {

    static List<SpecificRecord> everyRecordType() {
        return Fixtures.everyRecordType();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRecordType")
    void encodeThenDecode_givesAnEqualRecordOfTheSameClass(SpecificRecord record) {
        byte[] bytes = Codec.encode(record);

        Decoded decoded = Codec.decode(bytes);

        assertThat(decoded).isInstanceOf(Decoded.Ok.class);
        SpecificRecord back = ((Decoded.Ok) decoded).record();
        assertThat(back).isExactlyInstanceOf(record.getClass()).isEqualTo(record);
        assertThat(Codec.decode(bytes, record.getClass())).isEqualTo(record);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRecordType")
    void encoded_startsWithMarkerAndTheCurrentSchemaFingerprint(SpecificRecord record) {
        byte[] bytes = Codec.encode(record);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fp).isEqualTo(Codec.fingerprint(record.getSchema()));
    }

    @Test
    void scanResult_accessedBitmap_survivesTheRoundTrip() {
        ScanResult back = Codec.decode(Codec.encode(Fixtures.scanResult()), ScanResult.class);

        assertThat(Bitmaps.fromBytes(back.getAccessed())).isEqualTo(Fixtures.accessedPages());
        assertThat(back.getAccessedCount()).isEqualTo(Fixtures.accessedPages().getLongCardinality());
    }

    @Test
    void evictCommand_pagesBitmapAndEvidence_surviveTheRoundTrip() {
        EvictCommand sent = Fixtures.evictCommand();

        EvictCommand back = Codec.decode(Codec.encode(sent), EvictCommand.class);

        assertThat(Bitmaps.fromBytes(back.getPages())).isEqualTo(Bitmaps.fromBytes(sent.getPages()));
        assertThat(Bitmaps.fromBytes(back.getPages()).contains(261_000)).isTrue();
        assertThat(back.getAgeHistogram()).isEqualTo(sent.getAgeHistogram());
    }

    @Test
    void deadLetter_withoutKeyValueOrVmId_roundTripsTheNulls() {
        DeadLetter sent = DeadLetter.newBuilder(Fixtures.deadLetter()).setVmId(null).setKey(null).setValue(null).build();

        DeadLetter back = Codec.decode(Codec.encode(sent), DeadLetter.class);

        assertThat(back.getVmId()).isNull();
        assertThat(back.getKey()).isNull();
        assertThat(back.getValue()).isNull();
        assertThat(back).isEqualTo(sent);
    }

    @Test
    void faultEvent_timestamp_keepsMicrosecondPrecision() {
        FaultEvent back = Codec.decode(Codec.encode(Fixtures.faultEvent()), FaultEvent.class);

        assertThat(back.getAt()).isEqualTo(Fixtures.T0.plusSeconds(1));
        assertThat(back.getAt().getNano() % 1_000_000).isEqualTo(456_000);
    }

    @Test
    void recordTypes_areExactlyTheTopicValueTypes() {
        assertThat(Codec.recordTypes()).containsExactlyElementsOf(
                Topics.all(1).stream().map(s -> Topics.valueType(s.name())).toList());
        assertThat(Fixtures.everyRecordType()).map(Object::getClass).containsExactlyElementsOf(Codec.recordTypes());
    }
}
