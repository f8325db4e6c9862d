package io.coldtier.tierstore.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.DeadLetters;
import io.coldtier.tierstore.PageStore;
import io.coldtier.tierstore.PutResult;
import io.coldtier.tierstore.service.PageRecords.Parsed;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Applies one batch of consumed records to the {@link PageStore} (blocking, fsync'd) and says what must be
 * produced before the batch may be acked. It sends and acks nothing itself: {@link TierStoreService} produces
 * {@link Outcome#toSend()} and acks the records only once the broker has acknowledged all of it.
 *
 * <p>Records are applied in batch order: puts are collected into one {@code putAll} (one fsync) until a
 * tombstone, which first flushes the collected puts, so "put v1, tombstone, put v2" ends with v2 stored.
 */
final class Ingest {
    private static final Logger LOG = Logger.getLogger(TierStoreService.class.getName());

    /**
     * @param toSend      PageStored acks and dead letters, to be produced before the batch is acked
     * @param deadLetters how many of {@code toSend} are dead letters
     * @param applied     pages written by this batch (APPLIED puts)
     */
    record Outcome(List<ProducerRecord<byte[], byte[]>> toSend, int deadLetters, long applied) {
    }

    private final PageStore store;
    private final DeadLetters deadLetters;
    private final ServiceMetrics metrics;
    private final Clock clock;
    private final String storeId;

    Ingest(PageStore store, DeadLetters deadLetters, ServiceMetrics metrics, Clock clock, String storeId) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
        this.storeId = storeId;
    }

    /** A batch of {@code coldtier.pages}: puts, tombstone deletes, a PageStored per stored version, dead letters. */
    Outcome pages(List<ConsumedRecord> batch) {
        return applyPages(batch, false);
    }

    /**
     * A batch of the rebuild replay: puts and deletes only. Undecodable records are skipped without a dead
     * letter: the live consumer dead-lettered them when it first read them.
     */
    long rebuild(List<ConsumedRecord> batch) {
        return applyPages(batch, true).applied();
    }

    /** A batch of {@code coldtier.page-drops}: version-bounded deletes, dead letters. */
    Outcome drops(List<ConsumedRecord> batch) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        int dead = 0;
        for (ConsumedRecord rec : batch) {
            Parsed p = PageRecords.drop(rec);
            if (p instanceof Parsed.Drop(var d)) {
                try {
                    if (store.delete(d.getVmId(), d.getRegion(), d.getPage(), d.getVersion())) {
                        metrics.deletedByDrop.increment();
                    }
                    continue;
                } catch (IllegalArgumentException e) { // blank or oversized vmId, negative region/page
                    p = new Parsed.Bad("invalid PageDropped: " + e.getMessage());
                }
            }
            out.add(deadLetter(rec, ((Parsed.Bad) p).reason()));
            dead++;
        }
        return new Outcome(out, dead, 0);
    }

    private Outcome applyPages(List<ConsumedRecord> batch, boolean rebuild) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<Parsed.Page> pending = new ArrayList<>();
        int dead = 0;
        long applied = 0;
        for (ConsumedRecord rec : batch) {
            switch (PageRecords.page(rec)) {
                case Parsed.Page p -> pending.add(p);
                case Parsed.Tombstone(var ref) -> {
                    applied += flush(pending, out, rebuild);
                    if (store.delete(ref.vmId(), ref.region(), ref.page(), Long.MAX_VALUE)) {
                        metrics.deletedByTombstone.increment();
                    }
                }
                case Parsed.Bad(var reason) when rebuild ->
                        LOG.fine(() -> "rebuild skips " + rec.source() + ": " + reason);
                case Parsed.Bad(var reason) -> {
                    out.add(deadLetter(rec, reason));
                    dead++;
                }
                case Parsed.Drop d -> throw new IllegalStateException("a drop on " + rec.source());
            }
        }
        applied += flush(pending, out, rebuild);
        return new Outcome(out, dead, applied);
    }

    /**
     * Writes the collected pages in one putAll and adds a PageStored for every APPLIED and DUPLICATE one: a
     * duplicate is a redelivery of a version already durable here (e.g. its first ack was lost in a crash), and
     * the agent still waits for that ack. A STALE version is not stored, so it gets no ack.
     */
    private long flush(List<Parsed.Page> pending, List<ProducerRecord<byte[], byte[]>> out, boolean rebuild) {
        if (pending.isEmpty()) {
            return 0;
        }
        List<PutResult> results = store.putAll(pending.stream().map(Parsed.Page::page).toList());
        long applied = 0;
        for (int i = 0; i < results.size(); i++) {
            Parsed.Page p = pending.get(i);
            switch (results.get(i)) {
                case APPLIED -> {
                    applied++;
                    metrics.pagesStored.increment();
                    metrics.bytesStored.increment(p.page().contents().length);
                }
                case DUPLICATE -> metrics.duplicates.increment();
                case STALE -> metrics.stale.increment();
            }
            if (!rebuild && results.get(i) != PutResult.STALE) {
                out.add(PageRecords.stored(p.out(), storeId, clock.instant()));
            }
        }
        pending.clear();
        return applied;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumedRecord rec, String reason) {
        LOG.warning(() -> "dead letter " + rec.source() + ": " + reason);
        return deadLetters.toRecord(rec, reason);
    }
}
