package io.coldtier.tierstore.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.PageKeys;
import io.coldtier.schemas.PageRef;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.tierstore.StoredPage;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Topic records ↔ store values: decoding and validating {@code PageOut} / {@code PageDropped}, building the
 * {@code PageStored} ack and the {@code DeadLetter} value. Pure functions; every bad input is a {@link Parsed.Bad}
 * with a reason, never an exception.
 */
final class PageRecords {
    private PageRecords() {
    }

    /** A record of {@code coldtier.pages} or {@code coldtier.page-drops}, parsed or not. */
    sealed interface Parsed {
        record Page(PageOut out, StoredPage page) implements Parsed {
        }

        record Tombstone(PageRef ref) implements Parsed {
        }

        record Drop(PageDropped drop) implements Parsed {
        }

        record Bad(String reason) implements Parsed {
        }
    }

    /**
     * A {@code coldtier.pages} record: a PageOut whose key is exactly {@code PageKeys.key} of its page (a
     * mismatching key would defeat compaction, so it is rejected), or a tombstone (null value) with a valid key.
     */
    static Parsed page(ConsumedRecord rec) {
        PageRef ref;
        try {
            ref = PageKeys.parse(rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Parsed.Bad(e.getMessage());
        }
        if (rec.value() == null) {
            return new Parsed.Tombstone(ref);
        }
        return switch (Codec.decode(rec.value())) {
            case Decoded.Failed(String reason) -> new Parsed.Bad(reason);
            case Decoded.Ok(PageOut out) when !ref.equals(new PageRef(out.getVmId(), out.getRegion(), out.getPage())) ->
                    new Parsed.Bad("key '" + ref.key() + "' does not match PageOut " + out.getVmId() + "/"
                            + out.getRegion() + "/" + out.getPage());
            case Decoded.Ok(PageOut out) -> toStored(out);
            case Decoded.Ok(var other) -> new Parsed.Bad("expected PageOut on " + Topics.PAGES + " but got "
                    + other.getClass().getSimpleName());
        };
    }

    /** A {@code coldtier.page-drops} record. */
    static Parsed drop(ConsumedRecord rec) {
        return switch (Codec.decode(rec.value())) {
            case Decoded.Failed(String reason) -> new Parsed.Bad(reason);
            case Decoded.Ok(PageDropped d) when d.getVersion() < 0 ->
                    new Parsed.Bad("PageDropped version must be >= 0, was " + d.getVersion());
            case Decoded.Ok(PageDropped d) -> new Parsed.Drop(d);
            case Decoded.Ok(var other) -> new Parsed.Bad("expected PageDropped on " + Topics.PAGE_DROPS + " but got "
                    + other.getClass().getSimpleName());
        };
    }

    private static Parsed toStored(PageOut o) {
        ByteBuffer c = o.getContents().duplicate();
        byte[] contents = new byte[c.remaining()];
        c.get(contents);
        StoredPage.Compression compression = switch (o.getCompression()) {
            case NONE -> StoredPage.Compression.NONE;
            case LZ4 -> StoredPage.Compression.LZ4;
        };
        try {
            return new Parsed.Page(o, new StoredPage(o.getVmId(), o.getRegion(), o.getPage(), o.getVersion(),
                    o.getChecksum(), o.getZero(), compression, o.getRawLength(), contents));
        } catch (IllegalArgumentException e) {
            return new Parsed.Bad("invalid PageOut: " + e.getMessage());
        }
    }

    /** The durability ack of a stored (or already stored) page version; key vmId. */
    static ProducerRecord<byte[], byte[]> stored(PageOut o, String storeId, Instant at) {
        PageStored s = PageStored.newBuilder().setVmId(o.getVmId()).setRegion(o.getRegion()).setCycle(o.getCycle())
                .setPage(o.getPage()).setVersion(o.getVersion()).setStoredAt(at).setStore(storeId).build();
        return new ProducerRecord<>(Topics.PAGE_ACKS, o.getVmId().getBytes(StandardCharsets.UTF_8), Codec.encode(s));
    }

    /** The {@code DeadLetter} value for {@link io.coldtier.bus.DeadLetters}: the record verbatim plus the reason. */
    static byte[] deadLetter(ConsumedRecord rec, String reason, Instant at) {
        return Codec.encode(DeadLetter.newBuilder().setVmId(vmIdOf(rec)).setSourceTopic(rec.topic())
                .setPartition(rec.partition()).setOffset(rec.offset())
                .setKey(rec.key() == null ? null : ByteBuffer.wrap(rec.key()))
                .setValue(rec.value() == null ? null : ByteBuffer.wrap(rec.value()))
                .setReason(reason).setAt(at).build());
    }

    /** The VM id when the key yields one: a page key on {@code coldtier.pages}, the key itself elsewhere. */
    private static String vmIdOf(ConsumedRecord rec) {
        if (rec.key() == null || rec.key().length == 0) {
            return null;
        }
        String key = new String(rec.key(), StandardCharsets.UTF_8);
        if (!rec.topic().equals(Topics.PAGES)) {
            return key;
        }
        try {
            return PageKeys.parse(key).vmId();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
