package io.coldtier.trace;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Reads {@code coldtier.scans} and {@code coldtier.faults} as a trace: every partition from its
 * start offset (the beginning, or a given offset per partition number), bounded by the end offsets seen
 * when reading starts (records appended later are not read), filtered by a {@link TraceFilter},
 * returned in {@link TraceRecord#ORDER}. Undecodable records, tombstones and records of the wrong type
 * are skipped and counted, as the evictor dead-letters them.
 *
 * <p>The range is held in memory to sort it: about the size of the Avro values (a scan of a 1 GiB region
 * is ≤ 8 KiB). Export a long history in time slices.
 */
public final class KafkaTraceSource {
    private static final Logger LOG = Logger.getLogger(KafkaTraceSource.class.getName());

    /** The records read and how many were skipped as unreadable. */
    public record Result(List<TraceRecord> records, long skipped) {}

    private KafkaTraceSource() {
    }

    /** From the beginning of every partition. */
    public static Result read(String bootstrapServers, TraceFilter filter) {
        return read(bootstrapServers, filter, Map.of());
    }

    /**
     * @param fromOffsets partition number → first offset to keep (same on both topics: all topics have
     *                    the same partitioning); partitions not listed start at the beginning
     */
    public static Result read(String bootstrapServers, TraceFilter filter, Map<Integer, Long> fromOffsets) {
        KafkaSettings settings = KafkaSettings.of(bootstrapServers, "trace");
        List<TraceRecord> out = new ArrayList<>();
        long[] skipped = {0};
        try (ReactiveConsumer in = ReactiveConsumer.replay(settings, "trace-source",
                List.of(Topics.SCANS, Topics.FAULTS))) {
            in.receive().doOnNext(rec -> {
                if (rec.offset() < fromOffsets.getOrDefault(rec.partition(), 0L)) {
                    return;
                }
                TraceRecord r = decode(rec);
                if (r == null) {
                    skipped[0]++;
                } else if (filter.accepts(r)) {
                    out.add(r);
                }
            }).blockLast();
        }
        out.sort(TraceRecord.ORDER);
        if (skipped[0] > 0) {
            LOG.warning(skipped[0] + " unreadable records skipped while reading the trace topics");
        }
        return new Result(out, skipped[0]);
    }

    static TraceRecord decode(ConsumedRecord rec) {
        if (rec.value() == null) {
            return null;
        }
        TraceRecord.Position pos = new TraceRecord.Position(rec.topic(), rec.partition(), rec.offset());
        return switch (Codec.decode(rec.value())) {
            case Decoded.Ok(io.coldtier.schemas.avro.ScanResult s) when rec.topic().equals(Topics.SCANS) ->
                    new TraceRecord.Scan(s, pos);
            case Decoded.Ok(io.coldtier.schemas.avro.FaultEvent f) when rec.topic().equals(Topics.FAULTS) ->
                    new TraceRecord.Fault(f, pos);
            default -> null;
        };
    }
}
