package io.coldtier.trace;

import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;

import java.util.Comparator;
import java.util.Objects;

/**
 * One record of a trace: a {@link ScanResult} from {@code coldtier.scans} or a {@link FaultEvent} from
 * {@code coldtier.faults}, with where it came from. Traces are in {@link #ORDER}: event time, then scans
 * before faults, then source partition and offset. Every source (file, topics) yields this order, so a
 * replay of a file and of the topics it was exported from see the same sequence.
 */
public sealed interface TraceRecord permits TraceRecord.Scan, TraceRecord.Fault {

    /** Trace order: event time, scans before faults at the same microsecond, then partition, offset. */
    Comparator<TraceRecord> ORDER = Comparator.comparingLong(TraceRecord::eventMicros)
            .thenComparingInt(r -> r instanceof Scan ? 0 : 1)
            .thenComparingInt(r -> r.position().partition())
            .thenComparingLong(r -> r.position().offset());

    /** The record's source: a topic partition and offset (Kafka), or the file and the index in it. */
    record Position(String source, int partition, long offset) {
        public Position {
            Objects.requireNonNull(source, "source");
        }

        @Override
        public String toString() {
            return source + "-" + partition + "@" + offset;
        }
    }

    Position position();

    String vmId();

    /** Event time in epoch microseconds: {@code scannedAt} of a scan, {@code at} of a fault. */
    long eventMicros();

    /** The topic the record belongs on. */
    String topic();

    record Scan(ScanResult value, Position position) implements TraceRecord {
        public Scan {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(position, "position");
        }

        @Override
        public String vmId() {
            return value.getVmId();
        }

        @Override
        public long eventMicros() {
            return micros(value.getScannedAt());
        }

        @Override
        public String topic() {
            return Topics.SCANS;
        }
    }

    record Fault(FaultEvent value, Position position) implements TraceRecord {
        public Fault {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(position, "position");
        }

        @Override
        public String vmId() {
            return value.getVmId();
        }

        @Override
        public long eventMicros() {
            return micros(value.getAt());
        }

        @Override
        public String topic() {
            return Topics.FAULTS;
        }
    }

    /** Wraps a decoded value; {@link IllegalArgumentException} for anything but a scan or a fault. */
    static TraceRecord of(Object value, Position position) {
        return switch (value) {
            case ScanResult s -> new Scan(s, position);
            case FaultEvent f -> new Fault(f, position);
            default -> throw new IllegalArgumentException("not a trace record: "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        };
    }

    private static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
