package io.coldtier.trace;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.evictor.Command;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.AvroMapping;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.EvictCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator reproduces the live {@link EvictorService}'s commands exactly: the service runs on a
 * broker over generated scans and faults; the simulator replays the same records (and the topics the
 * service read) with the same policies; the commands (id, policy, pages, age evidence) are equal.
 */
@Tag("kafka")
@Timeout(120)
class SimulatorMatchesServiceIT {
    private static final PolicyConfig POLICIES = new PolicyConfig("idle-age:cycles=2",
            Map.of("vm-1", "budget:resident=40%", "vm-2", "refault-slo:target=0.5%/min,min=1,max=4"));

    @Test
    void simulatorCommands_equalTheLiveServiceCommands_forTheSameInput() throws Exception {
        List<TraceRecord> trace = new SyntheticTrace(3, 1024, 12, 1_000_000, 0.05, 0.1, 6, 21).records();
        List<EvictCommand> liveCommands = new CopyOnWriteArrayList<>();
        List<Command> replayedFromTopics = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaSettings settings = KafkaSettings.of(kafka.bootstrapServers(), "it");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (EvictorService service = EvictorService.start(EvictorConfig.of(kafka.bootstrapServers(), POLICIES, 3), registry);
                 ReactiveConsumer collector = ReactiveConsumer.replay(settings, "it-collector", List.of(Topics.EVICTIONS),
                         ReactiveConsumer.Options.defaults().withStopAtEnd(false))) {
                Disposable collecting = collector.receive().map(ConsumedRecord::value)
                        .subscribe(v -> liveCommands.add(Codec.decode(v, EvictCommand.class)));
                ReactiveProducer producer = ReactiveProducer.create(settings, "it-agent");
                try {
                    publishInPhases(producer, service, trace);
                } finally {
                    producer.close(Duration.ofSeconds(5));
                }
                long expected = expectedCommands(trace).size();
                await("all " + expected + " commands collected", () -> liveCommands.size() >= expected);
                collecting.dispose();
            }
            // Replaying the live topics the service read gives the same commands as well.
            Simulator fromTopics = new Simulator(POLICIES, 0.2, replayedFromTopics::add);
            KafkaTraceSource.read(kafka.bootstrapServers(), TraceFilter.ALL).records().forEach(fromTopics);
        }
        List<Command> simulated = expectedCommands(trace);

        assertThat(simulated).hasSizeGreaterThan(10);
        assertThat(simulated.stream().map(Command::policy).distinct()).hasSize(3);
        assertThat(byId(liveCommands)).isEqualTo(bySimulatedId(simulated));
        assertThat(replayedFromTopics).isEqualTo(simulated);
    }

    private static List<Command> expectedCommands(List<TraceRecord> trace) {
        List<Command> out = new ArrayList<>();
        Simulator sim = new Simulator(POLICIES, 0.2, out::add);
        trace.forEach(sim);
        return out;
    }

    /**
     * The service reads two topics through one consumer, so their relative order is the broker's. To give
     * it the trace order, each cycle's scans are published and processed before that cycle's faults.
     * Within a phase the records belong to different VMs (independent state) or keep their order on one
     * partition.
     */
    private static void publishInPhases(ReactiveProducer producer, EvictorService service, List<TraceRecord> trace) {
        List<TraceRecord> phase = new ArrayList<>();
        long done = 0;
        for (TraceRecord r : trace) {
            if (!phase.isEmpty() && !phase.getFirst().topic().equals(r.topic())) {
                done = publish(producer, service, phase, done);
                phase.clear();
            }
            phase.add(r);
        }
        publish(producer, service, phase, done);
    }

    private static long publish(ReactiveProducer producer, EvictorService service, List<TraceRecord> phase, long done) {
        producer.sendAll(phase.stream().map(r -> new ProducerRecord<>(r.topic(), r.vmId().getBytes(StandardCharsets.UTF_8),
                Codec.encode(TraceRoundTripIT.value(r)))).toList()).block(Duration.ofSeconds(15));
        long target = done + phase.size();
        await(target + " records processed", () -> service.metrics().total("scans.processed")
                + service.metrics().total("faults.processed") >= target);
        return target;
    }

    private static Map<String, String> byId(List<EvictCommand> commands) {
        Map<String, String> out = new TreeMap<>();
        for (EvictCommand c : commands) {
            out.put(c.getCommandId(), c.getPolicy() + " " + Bitmaps.fromBytes(c.getPages()) + " " + c.getAgeHistogram());
        }
        return out;
    }

    private static Map<String, String> bySimulatedId(List<Command> commands) {
        Map<String, String> out = new TreeMap<>();
        for (Command c : commands) {
            EvictCommand e = AvroMapping.toEvictCommand(c, Instant.EPOCH);
            out.put(c.commandId(), c.policy() + " " + c.pages() + " " + e.getAgeHistogram());
        }
        return out;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
