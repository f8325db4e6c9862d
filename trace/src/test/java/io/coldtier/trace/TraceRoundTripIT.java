package io.coldtier.trace;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export → import into a fresh broker → replay gives the results of replaying the live topics, and of
 * replaying the file itself; a time/VM range of the topics. Two in-process KRaft brokers.
 */
@Tag("kafka")
@Timeout(120)
class TraceRoundTripIT {
    private static final List<String> POLICIES =
            List.of("idle-age:cycles=2", "budget:resident=50%", "refault-slo:target=0.5%/min,max=8");

    @TempDir
    Path dir;

    @Test
    void exportImportReplay_equalsReplayOfTheLiveTopics() throws Exception {
        List<TraceRecord> trace = new SyntheticTrace(3, 2048, 30, 2_000_000, 0.05, 0.1, 5, 3).records();
        Path file = dir.resolve("live.trace");
        List<SimResult> live;
        try (EmbeddedKafka source = EmbeddedKafka.start()) {
            publishLikeAnAgent(source.bootstrapServers(), trace);
            live = Replay.runTopics(source.bootstrapServers(), TraceFilter.ALL, Map.of(), POLICIES, 0.2);

            KafkaTraceSource.Result exported = KafkaTraceSource.read(source.bootstrapServers(), TraceFilter.ALL);
            assertThat(exported.records()).hasSize(trace.size());
            assertThat(exported.skipped()).isZero();
            TraceFile.write(file, exported.records(), TraceFile.Compression.ZSTD, Map.of("source", "it"));

            // A time/VM range of the same topics.
            TraceFilter filter = new TraceFilter(SyntheticTrace.T0.plusSeconds(10), SyntheticTrace.T0.plusSeconds(20),
                    java.util.Set.of("vm-1"));
            List<TraceRecord> got = KafkaTraceSource.read(source.bootstrapServers(), filter).records();
            List<TraceRecord> want = trace.stream().filter(filter::accepts).toList();
            assertThat(got).hasSize(want.size()).isNotEmpty();
            for (int i = 0; i < got.size(); i++) {
                assertThat(TraceFileTest.value(got.get(i))).isEqualTo(TraceFileTest.value(want.get(i)));
            }
        }
        List<SimResult> imported;
        try (EmbeddedKafka fresh = EmbeddedKafka.start()) {
            try (TraceFile.Reader in = TraceFile.reader(file); KafkaTraceSink sink = new KafkaTraceSink(fresh.bootstrapServers(), 3)) {
                in.forEach(sink::accept);
                sink.flush();
                assertThat(sink.written()).isEqualTo(trace.size());
            }
            imported = Replay.runTopics(fresh.bootstrapServers(), TraceFilter.ALL, Map.of(), POLICIES, 0.2);
        }
        List<SimResult> fromFile = Replay.runFile(file, POLICIES, 0.2);
        List<SimResult> fromMemory = Replay.run(trace, POLICIES, 0.2);

        List<String> expected = fingerprints(live);
        assertThat(live).allSatisfy(r -> assertThat(r.commands()).isPositive());
        assertThat(fingerprints(imported)).containsExactlyElementsOf(expected);
        assertThat(fingerprints(fromFile)).containsExactlyElementsOf(expected);
        assertThat(fingerprints(fromMemory)).containsExactlyElementsOf(expected);

        StringWriter csv = new StringWriter();
        try (LibCacheSimCsv out = new LibCacheSimCsv(csv)) {
            TraceFile.readAll(file).forEach(out::accept);
            assertThat(out.lines()).isPositive();
        }
    }

    /** Publishes as the agent does: key vmId, scans and faults on their topics, in trace order. */
    static void publishLikeAnAgent(String bootstrap, List<TraceRecord> trace) {
        KafkaSettings settings = KafkaSettings.of(bootstrap, "it").withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30));
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            admin.ensureTopics(Topics.newTopics(3, (short) 1));
        }
        ReactiveProducer producer = ReactiveProducer.create(settings, "it-agent");
        try {
            List<ProducerRecord<byte[], byte[]>> all = trace.stream().map(r -> new ProducerRecord<>(r.topic(),
                    r.vmId().getBytes(StandardCharsets.UTF_8), Codec.encode(value(r)))).toList();
            // In chunks, as an agent publishes per cycle: one huge burst made a loaded broker time out requests.
            for (int i = 0; i < all.size(); i += 256) {
                producer.sendAll(all.subList(i, Math.min(all.size(), i + 256))).block(Duration.ofSeconds(60));
            }
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }

    static SpecificRecord value(TraceRecord r) {
        return switch (r) {
            case TraceRecord.Scan s -> s.value();
            case TraceRecord.Fault f -> f.value();
        };
    }

    private static List<String> fingerprints(List<SimResult> results) {
        return results.stream().map(SimResult::fingerprint).toList();
    }
}
