package io.coldtier.bench.pipeline;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.ScanInput;
import io.coldtier.evictor.service.AvroMapping;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.ScanResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.Disposable;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Figure 3: the ScanResult rate the bus sustains, on a fresh embedded broker per case. ScanResults are published
 * at full speed (see {@link ScanPublisher}) while one consumer takes them off {@code coldtier.scans}:
 * <ul>
 *   <li><b>decoder</b>: a group consumer ({@link ReactiveConsumer}, as the evictor service subscribes) that does
 *       what the evictor service does before its policy: {@link Codec#decode}, {@link AvroMapping#toScanInput}
 *       (which deserializes the Roaring bitmap and validates it), then acks;</li>
 *   <li><b>evictor service</b>: the real {@link EvictorService} with {@value #POLICY}, which also runs the policy
 *       per scan and emits EvictCommands (acks=all) for idle pages.</li>
 * </ul>
 * The rate is end to end: records consumed ÷ time from the first timed send until the consumer has consumed every
 * timed record, so a consumer slower than the producer shows as lag and sets the rate. A warm-up of
 * {@value #WARMUP_RECORDS} records (untimed) comes first, which also lets the consumer join its group.
 */
final class ScanBusFigure {
    static final int VMS = 32;
    static final double ACCESSED = 0.10;
    static final String POLICY = "idle-age:cycles=2";
    private static final int WARMUP_RECORDS = 2000;
    private static final Duration DRAIN = Duration.ofMinutes(3);

    /** A case: who consumes, and the producer's batch.size (0 = the bus's settings). */
    enum Case {
        DECODER("decoder (Codec.decode + AvroMapping.toScanInput)", 0),
        EVICTOR("EvictorService (" + POLICY + ")", 0),
        /** Not the shipped configuration: shows what the bus's producer batch size costs (see the report). */
        DECODER_BIG_BATCHES("decoder, producer batch.size 256 KiB (what-if)", 256 << 10);

        final String label;
        final int batchSize;

        Case(String label, int batchSize) {
            this.label = label;
            this.batchSize = batchSize;
        }
    }

    /**
     * One case. {@code endToEndNanos}: first timed send → last timed record consumed; {@code lagAtPublishEnd}:
     * records published but not yet consumed when the last ack came back; {@code commands}: EvictCommands emitted.
     */
    record Run(Case kind, long records, long pagesPerRecord, long valueBytes, long publishNanos,
               long endToEndNanos, long lagAtPublishEnd, long commands) {
        double recordsPerSecond() {
            return records / (endToEndNanos / 1e9);
        }

        double pageStatesPerSecond() {
            return recordsPerSecond() * pagesPerRecord;
        }

        double megabytesPerSecond() {
            return valueBytes / 1e6 / (endToEndNanos / 1e9);
        }

        double publishedPerSecond() {
            return records / (publishNanos / 1e9);
        }
    }

    record Result(Run decoder, Run evictor, Run bigBatches, int bitmapBytes, long pagesPerRecord) {}

    private ScanBusFigure() {}

    static Result run(PrintStream out, long regionPages, Duration publishFor, long seed)
            throws InterruptedException, TimeoutException {
        out.printf("  %d VMs × 1 region of %d pages, %.0f %% accessed at random (%s)…%n", VMS, regionPages,
                100 * ACCESSED, "fresh broker per case");
        int[] bitmapBytes = new int[1];
        Run decoder = measure(out, Case.DECODER, regionPages, publishFor, seed, bitmapBytes);
        Run evictor = measure(out, Case.EVICTOR, regionPages, publishFor, seed, bitmapBytes);
        Run big = measure(out, Case.DECODER_BIG_BATCHES, regionPages, publishFor, seed, bitmapBytes);
        return new Result(decoder, evictor, big, bitmapBytes[0], regionPages);
    }

    private static Run measure(PrintStream out, Case kind, long pages, Duration publishFor, long seed,
                               int[] bitmapBytes) throws InterruptedException, TimeoutException {
        out.println("  " + kind.label + ":");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            try (TopicAdmin admin = new TopicAdmin(KafkaSettings.of(bootstrap, "bench"))) {
                admin.ensureTopics(Topics.newTopics(PipelineStack.PARTITIONS, (short) 1));
            }
            try (Sink sink = kind == Case.EVICTOR ? EvictorSink.start(bootstrap) : DecoderSink.start(bootstrap);
                 ScanPublisher publisher = new ScanPublisher(bootstrap, VMS, pages, ACCESSED, kind.batchSize, seed)) {
                bitmapBytes[0] = publisher.bitmapBytes();
                ScanPublisher.Published warm = publisher.publish(WARMUP_RECORDS);
                Poll.until("warm-up consumed", DRAIN, () -> sink.consumed() >= warm.records(), out,
                        () -> sink.consumed() + " of " + warm.records() + " warm-up records consumed");
                long consumed0 = sink.consumed();
                long commands0 = sink.commands();
                out.printf("    publishing for %d s…%n", publishFor.toSeconds());
                long t0 = System.nanoTime();
                ScanPublisher.Published p = publisher.publishFor(publishFor);
                long lag = p.records() - (sink.consumed() - consumed0);
                long done = Poll.until("consumer catching up", DRAIN, () -> sink.consumed() - consumed0 >= p.records(),
                        out, () -> (sink.consumed() - consumed0) + " of " + p.records() + " consumed");
                sink.check();
                Run run = new Run(kind, p.records(), pages, p.valueBytes(), p.nanos(), done - t0, lag,
                        sink.commands() - commands0);
                out.printf("    %d records (%.0f/s published), consumed end to end at %.0f records/s"
                                + " = %.3g page-states/s, %.0f MB/s; lag at the end of publishing %d%n", run.records(),
                        run.publishedPerSecond(), run.recordsPerSecond(), run.pageStatesPerSecond(),
                        run.megabytesPerSecond(), lag);
                return run;
            }
        }
    }

    /** The consuming side of one case; closing it stops consuming. */
    private interface Sink extends AutoCloseable {
        long consumed();

        long commands();

        /** Throws if anything was rejected or the consumer failed. */
        void check();

        @Override
        void close();
    }

    /** The evictor-side consumer and decoder, without the policy. */
    private static final class DecoderSink implements Sink {
        private final ReactiveConsumer consumer;
        private final AtomicLong consumed = new AtomicLong();
        private final AtomicLong rejected = new AtomicLong();
        /** Accessed pages seen in the decoded bitmaps: the consumer really read every bitmap. */
        private final AtomicLong accessed = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private Disposable subscription;

        private DecoderSink(ReactiveConsumer consumer) {
            this.consumer = consumer;
        }

        static DecoderSink start(String bootstrap) {
            DecoderSink s = new DecoderSink(ReactiveConsumer.subscribe(KafkaSettings.of(bootstrap, "bench"),
                    "bench-scan-decoder", "bench-scan-decoder", List.of(Topics.SCANS)));
            s.subscription = s.consumer.receive().subscribe(s::decode, s.failure::set);
            return s;
        }

        /** On the consumer's thread, as the evictor service's mapping runs on its own single thread. */
        private void decode(ConsumedRecord rec) {
            if (Codec.decode(rec.value()) instanceof Decoded.Ok(ScanResult s)) {
                ScanInput in = AvroMapping.toScanInput(s);
                accessed.addAndGet(in.accessedCount());
            } else {
                rejected.incrementAndGet();
            }
            consumed.incrementAndGet();
            rec.ack();
        }

        @Override
        public long consumed() {
            return consumed.get();
        }

        @Override
        public long commands() {
            return 0;
        }

        @Override
        public void check() {
            if (failure.get() != null || rejected.get() != 0 || accessed.get() == 0) {
                throw new IllegalStateException("decoder: " + rejected.get() + " records rejected, failure "
                        + failure.get(), failure.get());
            }
        }

        @Override
        public void close() {
            consumer.close();
            if (subscription != null) {
                subscription.dispose();
            }
        }
    }

    /** The evictor service itself; counts from its meters. */
    private static final class EvictorSink implements Sink {
        private final EvictorService service;

        private EvictorSink(EvictorService service) {
            this.service = service;
        }

        static EvictorSink start(String bootstrap) {
            return new EvictorSink(EvictorService.start(new EvictorConfig(bootstrap, "bench-evictor",
                    PolicyConfig.of(POLICY), PipelineStack.PARTITIONS), new SimpleMeterRegistry()));
        }

        @Override
        public long consumed() {
            return (long) service.metrics().total("scans.processed");
        }

        @Override
        public long commands() {
            return (long) service.metrics().total("commands.emitted");
        }

        @Override
        public void check() {
            double bad = service.metrics().total("dead.letters") + service.metrics().total("send.failures");
            if (bad != 0) {
                throw new IllegalStateException("evictor service: " + (long) bad + " dead letters or send failures");
            }
        }

        @Override
        public void close() {
            service.close();
        }
    }
}
