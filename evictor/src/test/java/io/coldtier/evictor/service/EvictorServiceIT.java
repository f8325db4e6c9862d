package io.coldtier.evictor.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.DeadLetters;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.Command;
import io.coldtier.evictor.Evictor;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.ScanResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;
import reactor.core.Disposable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service against an in-process KRaft broker (one per class). Every test uses its own VM ids and
 * the same group and policies, and closes its service(s) cleanly, so each later service rebuilds the
 * earlier tests' history and processes only new records: one long-running deployment, restarted
 * per test.
 */
@Tag("kafka")
@Timeout(180)
class EvictorServiceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PAGES = 1024;
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final PolicyConfig POLICIES =
            new PolicyConfig("idle-age:cycles=2", Map.of("vm-2", "budget:resident=50%"));

    private static EmbeddedKafka kafka;
    private static KafkaSettings settings;
    private static TopicAdmin admin;
    private static ReactiveProducer producer;
    private static ReactiveConsumer collector;
    private static Disposable collecting;
    private static final List<EvictCommand> commands = new CopyOnWriteArrayList<>();
    private static final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private static final List<String> deadLetterReasonHeaders = new CopyOnWriteArrayList<>();
    private static final AtomicLong collected = new AtomicLong();

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        settings = KafkaSettings.of(kafka.bootstrapServers(), "it");
        admin = new TopicAdmin(settings);
        admin.ensureTopics(Topics.newTopics(3, (short) 1));
        producer = ReactiveProducer.create(settings, "it-agent");
        collector = ReactiveConsumer.replay(settings, "it-collector", List.of(Topics.EVICTIONS, Topics.DEAD_LETTERS),
                ReactiveConsumer.Options.defaults().withStopAtEnd(false));
        collecting = collector.receive().subscribe(EvictorServiceIT::collect);
    }

    @AfterAll
    static void stopBroker() {
        if (collecting != null) {
            collecting.dispose();
        }
        if (collector != null) {
            collector.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void collect(ConsumedRecord rec) {
        if (rec.topic().equals(Topics.EVICTIONS)) {
            commands.add(Codec.decode(rec.value(), EvictCommand.class));
        } else {
            deadLetters.add(Codec.decode(rec.value(), DeadLetter.class));
            deadLetterReasonHeaders.add(rec.header(DeadLetters.REASON_HEADER));
        }
        collected.incrementAndGet();
    }

    @Test
    void scans_withPagesIdleForTwoCycles_emitOneIdleAgeCommandNamingExactlyThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EvictorService service = start(registry)) {
            for (int cycle = 1; cycle <= 3; cycle++) {
                send(scan("vm-1", cycle, range(0, 100)));
            }
            await("3 scans processed", () -> service.metrics().total("scans.processed") == 3);
        }
        awaitCollectorCaughtUp();

        List<EvictCommand> vm1 = commandsOf("vm-1");
        assertThat(vm1).extracting(EvictCommand::getCommandId).containsExactly("vm-1/0/2");
        EvictCommand c = vm1.getFirst();
        assertThat(c.getPolicy()).isEqualTo("idle-age");
        assertThat(c.getCycle()).isEqualTo(2);
        assertThat(Bitmaps.fromBytes(c.getPages())).isEqualTo(range(100, PAGES));
        assertThat(c.getAgeHistogram()).isNotEmpty();
        assertThat(c.getAgeHistogram().stream().mapToLong(b -> b.getPages()).sum()).isEqualTo(PAGES - 100);
        assertThat(registry.find("coldtier.evictor.pages.commanded").tag("policy", "idle-age").counter().count())
                .isEqualTo(PAGES - 100);
    }

    @Test
    void restart_rebuildsStateFromTopics_andEmitsWhatAnUninterruptedRunWould_withoutDuplicates() {
        String vm = "vm-3";
        // A moving window of 256 hot pages: a command (almost) every cycle, each depending on history.
        IntFunction<ScanResult> cycle = c -> scan(vm, c, range(c * 64 % 512, c * 64 % 512 + 256));
        Evictor uninterrupted = new Evictor(POLICIES);
        List<Command> expected = new ArrayList<>();
        for (int c = 1; c <= 8; c++) {
            uninterrupted.onScan(AvroMapping.toScanInput(cycle.apply(c))).ifPresent(expected::add);
        }

        try (EvictorService first = start(new SimpleMeterRegistry())) {
            for (int c = 1; c <= 5; c++) {
                send(cycle.apply(c));
            }
            await("5 scans processed", () -> first.metrics().total("scans.processed") == 5);
        }
        for (int c = 6; c <= 8; c++) {   // while the evictor is down
            send(cycle.apply(c));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EvictorService second = start(registry)) {
            assertThat(second.metrics().count("replayed", "topic", Topics.SCANS)).isGreaterThanOrEqualTo(5);
            await("cycles 6-8 processed", () -> second.metrics().total("scans.processed") == 3);
        }
        awaitCollectorCaughtUp();

        List<EvictCommand> emitted = commandsOf(vm);
        Map<String, Long> perId = emitted.stream()
                .collect(Collectors.groupingBy(EvictCommand::getCommandId, Collectors.counting()));
        assertThat(perId.values()).as("no command emitted twice: %s", perId).allMatch(n -> n == 1);
        assertThat(emitted).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertSameCommand(emitted.get(i), expected.get(i));
        }
        Command firstAfterRestart = expected.stream().filter(c -> c.cycle() >= 6).findFirst().orElseThrow();
        // Proof that the state was rebuilt: an evictor that only saw cycles 6-8 decides differently.
        Evictor fresh = new Evictor(POLICIES);
        Optional<Command> freshFirst = Optional.empty();
        for (int c = 6; c <= 8 && freshFirst.isEmpty(); c++) {
            freshFirst = fresh.onScan(AvroMapping.toScanInput(cycle.apply(c)));
        }
        assertThat(freshFirst).isNotEqualTo(Optional.of(firstAfterRestart));
    }

    @Test
    void poisonRecords_goToDeadLetters_andLaterScansStillProduceCommands() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EvictorService service = start(registry)) {
            send(new ProducerRecord<>(Topics.SCANS, key("vm-5"), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8)));
            ScanResult corruptBitmap = ScanResult.newBuilder(scan("vm-5", 1, range(0, 100)))
                    .setAccessed(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
            send(corruptBitmap);
            for (int c = 1; c <= 3; c++) {
                send(scan("vm-5", c, range(0, 100)));
            }
            await("dead letters and scans processed", () -> service.metrics().total("dead.letters") == 2
                    && service.metrics().total("scans.processed") == 3);
            assertThat(service.metrics().count("dead.letters", "topic", Topics.SCANS)).isEqualTo(2);
        }
        awaitCollectorCaughtUp();

        List<DeadLetter> vm5 = deadLetters.stream().filter(d -> "vm-5".equals(d.getVmId())).toList();
        assertThat(vm5).hasSize(2).allSatisfy(d -> assertThat(d.getSourceTopic()).isEqualTo(Topics.SCANS));
        assertThat(vm5.get(0).getReason()).contains("bad magic");
        assertThat(vm5.get(1).getReason()).contains("not a portable RoaringBitmap");
        assertThat(deadLetterReasonHeaders).anyMatch(r -> r.contains("bad magic"));
        assertThat(commandsOf("vm-5")).extracting(EvictCommand::getCommandId).containsExactly("vm-5/0/2");
    }

    @Test
    void perVmOverride_vm2GetsBudgetPolicy_keepingHalfItsPagesResident() {
        Evictor reference = new Evictor(POLICIES);
        List<Command> expected = new ArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EvictorService service = start(registry)) {
            for (int c = 1; c <= 3; c++) {
                ScanResult s = scan("vm-2", c, range(0, 100));
                reference.onScan(AvroMapping.toScanInput(s)).ifPresent(expected::add);
                send(s);
            }
            // Commands are counted on the broker's ack, after the scan is processed.
            await("3 scans processed, budget commands acknowledged", () -> service.metrics().total("scans.processed") == 3
                    && service.metrics().count("commands.emitted", "policy", "budget") == expected.size());
        }
        awaitCollectorCaughtUp();

        List<EvictCommand> vm2 = commandsOf("vm-2");
        assertThat(expected).isNotEmpty();
        assertThat(vm2).hasSameSizeAs(expected).allSatisfy(c -> assertThat(c.getPolicy()).isEqualTo("budget"));
        for (int i = 0; i < expected.size(); i++) {
            assertSameCommand(vm2.get(i), expected.get(i));
        }
        assertThat(Bitmaps.fromBytes(vm2.getFirst().getPages()).getCardinality()).isEqualTo(PAGES / 2);
    }

    // ---- helpers ----

    private static EvictorService start(SimpleMeterRegistry registry) {
        return EvictorService.start(EvictorConfig.of(kafka.bootstrapServers(), POLICIES, 3), registry);
    }

    private static ScanResult scan(String vm, int cycle, RoaringBitmap accessed) {
        Instant at = T0.plusSeconds(10L * cycle);
        return ScanResult.newBuilder()
                .setVmId(vm).setRegion(0).setCycle(cycle).setArmedAt(at.minusSeconds(10)).setScannedAt(at)
                .setPageSize(4096).setPages(PAGES).setAccessedCount(accessed.getLongCardinality())
                .setResidentCount(PAGES).setEvictedCount(0).setAccessed(Bitmaps.toBytes(accessed))
                .build();
    }

    private static RoaringBitmap range(int from, int to) {
        return RoaringBitmap.bitmapOfRange(from, to);
    }

    private static byte[] key(String vm) {
        return vm.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(ScanResult s) {
        send(new ProducerRecord<>(Topics.SCANS, key(s.getVmId()), Codec.encode(s)));
    }

    private static void send(ProducerRecord<byte[], byte[]> rec) {
        producer.send(rec).block(WAIT);
    }

    private static List<EvictCommand> commandsOf(String vm) {
        return commands.stream().filter(c -> c.getVmId().equals(vm)).toList();
    }

    private static void assertSameCommand(EvictCommand actual, Command expected) {
        assertThat(actual.getCommandId()).isEqualTo(expected.commandId());
        assertThat(actual.getPolicy()).isEqualTo(expected.policy());
        assertThat(Bitmaps.fromBytes(actual.getPages())).as(expected.commandId()).isEqualTo(expected.pages());
        assertThat(actual.getAgeHistogram()).isEqualTo(AvroMapping.ageBuckets(expected.ageHistogram()));
    }

    /** Waits until the collector has read everything written to the evictions and dead-letter topics. */
    private static void awaitCollectorCaughtUp() {
        await("collector caught up", () -> {
            long end = admin.endOffsets(Topics.EVICTIONS).values().stream().mapToLong(Long::longValue).sum()
                    + admin.endOffsets(Topics.DEAD_LETTERS).values().stream().mapToLong(Long::longValue).sum();
            return collected.get() >= end;
        });
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
