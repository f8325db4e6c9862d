package io.coldtier.tierstore.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.DeadLetters;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.PageKeys;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.DropReason;
import io.coldtier.schemas.avro.PageDropped;
import io.coldtier.schemas.avro.PageOut;
import io.coldtier.schemas.avro.PageStored;
import io.coldtier.tierstore.PageStore;
import io.coldtier.tierstore.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One batch against a real store, without a broker (the producer is a MockProducer that is never used). */
@Tag("unit")
@Timeout(30)
class IngestTest {
    @TempDir
    Path dir;
    PageStore store;
    ReactiveProducer producer;
    Ingest ingest;
    long offset;

    @BeforeEach
    void open() {
        store = PageStore.open(dir.resolve("pages"), StoreOptions.defaults().withSyncWrites(false));
        producer = new ReactiveProducer("test", new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()));
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        DeadLetters dlq = new DeadLetters(producer, Topics.DEAD_LETTERS,
                (rec, reason) -> PageRecords.deadLetter(rec, reason, clock.instant()));
        ingest = new Ingest(store, dlq, new ServiceMetrics(new SimpleMeterRegistry()), clock, "store-1");
    }

    @AfterEach
    void close() {
        producer.close();
        store.close();
    }

    @Test
    void pages_tombstoneBetweenPuts_keepsBatchOrder() {
        Ingest.Outcome out = ingest.pages(List.of(page("vm", 1, 1), tombstone("vm/0/1"), page("vm", 1, 2)));

        assertThat(store.get("vm", 0, 1).orElseThrow().version()).isEqualTo(2);
        assertThat(acks(out)).extracting(PageStored::getVersion).containsExactly(1L, 2L);
        assertThat(out.deadLetters()).isZero();
    }

    @Test
    void pages_duplicateIsAckedAgain_staleIsNot() {
        ingest.pages(List.of(page("vm", 1, 5)));

        Ingest.Outcome out = ingest.pages(List.of(page("vm", 1, 5), page("vm", 1, 4)));

        assertThat(acks(out)).extracting(PageStored::getVersion).containsExactly(5L);
        assertThat(acks(out).getFirst().getStore()).isEqualTo("store-1");
        assertThat(store.get("vm", 0, 1).orElseThrow().version()).isEqualTo(5);
    }

    @Test
    void pages_keyNotMatchingPageOut_isDeadLettered() {
        PageOut o = TierStoreServiceIT.lz4Page("vm", 1, 1);
        ConsumedRecord rec = record(Topics.PAGES, "vm/0/2", Codec.encode(o));

        Ingest.Outcome out = ingest.pages(List.of(rec));

        assertThat(out.deadLetters()).isEqualTo(1);
        DeadLetter d = Codec.decode(out.toSend().getFirst().value(), DeadLetter.class);
        assertThat(d.getReason()).isEqualTo("key 'vm/0/2' does not match PageOut vm/0/1");
        assertThat(d.getVmId()).isEqualTo("vm");
        assertThat(store.isEmpty()).isTrue();
    }

    @Test
    void rebuild_skipsBadRecordsWithoutDeadLetters() {
        long applied = ingest.rebuild(List.of(record(Topics.PAGES, "vm/0/9", new byte[] {1, 2}), page("vm", 3, 1)));

        assertThat(applied).isEqualTo(1);
        assertThat(store.get("vm", 0, 3)).isPresent();
    }

    @Test
    void drops_deleteUpToVersion_andBadValueIsDeadLettered() {
        ingest.pages(List.of(page("vm", 1, 3)));
        byte[] drop = Codec.encode(PageDropped.newBuilder().setVmId("vm").setRegion(0)
                .setCycle(1).setPage(1).setVersion(2).setReason(DropReason.REFAULTED)
                .setAt(Instant.EPOCH).build());

        Ingest.Outcome out = ingest.drops(List.of(record(Topics.PAGE_DROPS, "vm", drop),
                record(Topics.PAGE_DROPS, "vm", null)));

        assertThat(store.get("vm", 0, 1)).isPresent(); // v3 stored, drop only up to v2
        assertThat(out.deadLetters()).isEqualTo(1);
        assertThat(Codec.decode(out.toSend().getFirst().value(), DeadLetter.class).getReason()).isEqualTo("empty value");
    }

    private List<PageStored> acks(Ingest.Outcome out) {
        return out.toSend().stream().filter(r -> r.topic().equals(Topics.PAGE_ACKS))
                .map(r -> Codec.decode(r.value(), PageStored.class)).toList();
    }

    private ConsumedRecord page(String vm, long page, long version) {
        PageOut o = TierStoreServiceIT.lz4Page(vm, page, version);
        return record(Topics.PAGES, PageKeys.key(vm, 0, page), Codec.encode(o));
    }

    private ConsumedRecord tombstone(String key) {
        return record(Topics.PAGES, key, null);
    }

    private ConsumedRecord record(String topic, String key, byte[] value) {
        return new ConsumedRecord(topic, 0, offset++, key.getBytes(StandardCharsets.UTF_8), value, 0L, null);
    }
}
