package io.coldtier.evictor.service;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.DeadLetters;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.Command;
import io.coldtier.evictor.Evictor;
import io.coldtier.evictor.FaultInput;
import io.coldtier.evictor.ScanInput;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.DeadLetter;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The evictor as a Kafka service: {@code coldtier.scans} and {@code coldtier.faults} in, one
 * {@link Evictor} in the middle, {@code coldtier.evictions} out, undecodable or rejected records to
 * {@code coldtier.dead-letters}.
 *
 * <p><b>Start-up.</b> Topics are ensured, then the state is rebuilt: scans, then faults, are
 * replayed from the beginning of each partition up to the group's committed offset and applied to
 * the core without emitting commands. Then the group subscription continues from those offsets.
 * Because the core is deterministic, the rebuilt state is the state the previous instance had when
 * it committed, and every record after it is processed live exactly once more (a scan whose command
 * was not acknowledged gets its command, with the same id).
 *
 * <p><b>One thread.</b> The core is single-threaded by contract, so every call into it (rebuild and
 * live) runs on one scheduler thread, {@code evictor}; the consumer thread only emits records.
 *
 * <p><b>Acks.</b> A scan is acked once its command is acknowledged by the broker (or at once when
 * there is none); a fault at once; a bad record once its dead letter is acknowledged. A record whose
 * command or dead letter fails to send stays unacked and comes back after a restart.
 */
public final class EvictorService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EvictorService.class.getName());
    /** Commands and dead letters awaiting the broker's ack at once (sends are pipelined, applies are not). */
    private static final int MAX_PENDING = 256;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final EvictorConfig config;
    private final Clock clock;
    private final EvictorMetrics metrics;
    private final KafkaSettings settings;
    /** The only thread that touches {@link #evictor}. */
    private final Scheduler scheduler = Schedulers.newSingle("evictor");
    private final Evictor evictor;
    private final ReactiveProducer producer;
    private final DeadLetters deadLetters;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set on the evictor thread by {@link #close()}: from then on records are left unacked. */
    private volatile boolean stopping;
    private volatile long rebuiltRecords;
    private ReactiveConsumer live;
    private Disposable subscription;

    private EvictorService(EvictorConfig config, MeterRegistry registry, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = new EvictorMetrics(registry);
        this.settings = KafkaSettings.of(config.bootstrapServers(), "evictor");
        this.evictor = new Evictor(config.policies());
        Properties props = settings.producerProps("evictor");
        // A command bitmap may be up to Topics.MAX_RECORD_BYTES, a dead letter a little more.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES + (1 << 20)));
        this.producer = new ReactiveProducer("evictor", props);
        this.deadLetters = new DeadLetters(producer, Topics.DEAD_LETTERS, this::deadLetterValue);
    }

    /** Starts with the system clock; see {@link #start(EvictorConfig, MeterRegistry, Clock)}. */
    public static EvictorService start(EvictorConfig config, MeterRegistry registry) {
        return start(config, registry, Clock.systemUTC());
    }

    /**
     * Ensures the topics, rebuilds the state (blocking) and starts the live subscription.
     *
     * @param clock stamps {@code EvictCommand.issuedAt} and {@code DeadLetter.at} (never decisions)
     */
    public static EvictorService start(EvictorConfig config, MeterRegistry registry, Clock clock) {
        EvictorService service = new EvictorService(config, registry, clock);
        try {
            service.startUp();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    public EvictorConfig config() {
        return config;
    }

    public EvictorMetrics metrics() {
        return metrics;
    }

    /** Records applied to the core while rebuilding at start-up. */
    public long rebuiltRecords() {
        return rebuiltRecords;
    }

    private void startUp() {
        Map<TopicPartition, Long> committed;
        try (TopicAdmin admin = new TopicAdmin(settings)) {
            admin.ensureTopics(Topics.newTopics(config.partitions(), (short) 1));
            committed = committedOffsets(admin);
        }
        long t0 = System.nanoTime();
        long scans = rebuild(Topics.SCANS, committed);
        long faults = rebuild(Topics.FAULTS, committed);
        rebuiltRecords = scans + faults;
        LOG.info(() -> String.format("evictor rebuilt state from %d scans and %d faults in %d ms (group %s, %d VMs)",
                scans, faults, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), config.groupId(),
                vmCount()));
        live = ReactiveConsumer.subscribe(settings, "evictor", config.groupId(), List.of(Topics.SCANS, Topics.FAULTS));
        subscription = live.receive()
                .publishOn(scheduler)
                // The mapper runs on the evictor thread (publishOn delivers there), so every core call does.
                .flatMap(this::process, MAX_PENDING)
                .subscribe(null, e -> LOG.log(Level.SEVERE, "evictor stream failed", e));
    }

    private Map<TopicPartition, Long> committedOffsets(TopicAdmin admin) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.admin()
                    .listConsumerGroupOffsets(config.groupId()).partitionsToOffsetAndMetadata()
                    .get(settings.deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> out = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp, om.offset());
                }
            });
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading committed offsets of " + config.groupId(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read committed offsets of group " + config.groupId(), e);
        }
    }

    /**
     * Applies every record of {@code topic} below the group's committed offset, without emitting.
     * Records at or above it are left to the live subscription, which will deliver them.
     */
    private long rebuild(String topic, Map<TopicPartition, Long> committed) {
        try (ReactiveConsumer replay = ReactiveConsumer.replay(settings, "evictor-rebuild-" + topic, List.of(topic))) {
            Long applied = replay.receive()
                    .publishOn(scheduler)
                    .filter(rec -> rec.offset() < committed.getOrDefault(rec.topicPartition(), 0L))
                    .filter(this::applySilently)
                    .count()
                    .block();
            return applied == null ? 0 : applied;
        }
    }

    /** Rebuild step (evictor thread): a bad record was dead-lettered when it was live, so skip it. */
    private boolean applySilently(ConsumedRecord rec) {
        try {
            switch (toInput(rec)) {
                case ScanInput scan -> evictor.onScan(scan);
                case FaultInput fault -> evictor.onFault(fault);
                default -> throw new IllegalStateException("unreachable");
            }
            metrics.replayed(rec.topic());
            return true;
        } catch (RuntimeException e) {
            LOG.fine(() -> "rebuild skips " + rec.source() + ": " + reasonOf(e));
            return false;
        }
    }

    /** Live step (evictor thread): apply, then emit and ack. Never fails. */
    private Mono<Void> process(ConsumedRecord rec) {
        if (stopping) {
            return Mono.empty();   // not acked: the next instance gets it
        }
        Optional<Command> command;
        try {
            switch (toInput(rec)) {
                case ScanInput scan -> {
                    metrics.scan();
                    command = evictor.onScan(scan);
                }
                case FaultInput fault -> {
                    metrics.fault();
                    evictor.onFault(fault);
                    command = Optional.empty();
                }
                default -> throw new IllegalStateException("unreachable");
            }
        } catch (RuntimeException e) {
            // Bad input (undecodable, wrong type, rejected by the core before it changed anything).
            return deadLetter(rec, reasonOf(e));
        }
        if (command.isEmpty()) {
            rec.ack();
            return Mono.empty();
        }
        return emit(rec, command.get());
    }

    private Mono<Void> emit(ConsumedRecord rec, Command c) {
        byte[] value;
        try {
            value = Codec.encode(AvroMapping.toEvictCommand(c, clock.instant()));
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "cannot encode command " + c.commandId() + "; " + rec.source() + " stays unacked", e);
            return Mono.empty();
        }
        pending.incrementAndGet();
        return producer.send(new ProducerRecord<>(Topics.EVICTIONS, c.vmId().getBytes(StandardCharsets.UTF_8), value))
                .doOnSuccess(md -> {
                    metrics.command(c.policy(), c.pages().getLongCardinality());
                    rec.ack();
                    LOG.fine(() -> "emitted " + c + " for " + rec.source());
                })
                .then()
                .onErrorResume(e -> {
                    metrics.sendFailure();
                    LOG.log(Level.SEVERE, "command " + c.commandId() + " not acknowledged; " + rec.source()
                            + " stays unacked and is redelivered after a restart", e);
                    return Mono.empty();
                })
                .doFinally(s -> pending.decrementAndGet());
    }

    private Mono<Void> deadLetter(ConsumedRecord rec, String reason) {
        LOG.warning(() -> "dead-lettering " + rec.source() + ": " + reason);
        pending.incrementAndGet();
        return deadLetters.sendAndAck(rec, reason)
                .doOnSuccess(v -> metrics.deadLetter(rec.topic()))
                .onErrorResume(e -> {
                    metrics.sendFailure();
                    LOG.log(Level.SEVERE, "dead letter for " + rec.source() + " not acknowledged; it stays unacked", e);
                    return Mono.empty();
                })
                .doFinally(s -> pending.decrementAndGet());
    }

    /**
     * The core's input for a record, or an {@link IllegalArgumentException} whose message is the
     * dead-letter reason.
     */
    static Record toInput(ConsumedRecord rec) {
        if (rec.value() == null) {
            throw new IllegalArgumentException("tombstone: no value");
        }
        return switch (Codec.decode(rec.value())) {
            case Decoded.Failed(String reason) -> throw new IllegalArgumentException(reason);
            case Decoded.Ok(ScanResult s) when rec.topic().equals(Topics.SCANS) -> AvroMapping.toScanInput(s);
            case Decoded.Ok(FaultEvent f) when rec.topic().equals(Topics.FAULTS) -> AvroMapping.toFaultInput(f);
            case Decoded.Ok(var other) -> throw new IllegalArgumentException(
                    "unexpected " + other.getClass().getSimpleName() + " on " + rec.topic());
        };
    }

    private static String reasonOf(RuntimeException e) {
        return e instanceof IllegalArgumentException && e.getMessage() != null && !e.getMessage().isBlank()
                ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private byte[] deadLetterValue(ConsumedRecord rec, String reason) {
        return Codec.encode(DeadLetter.newBuilder()
                .setVmId(rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8))
                .setSourceTopic(rec.topic()).setPartition(rec.partition()).setOffset(rec.offset())
                .setKey(rec.key() == null ? null : ByteBuffer.wrap(rec.key()))
                .setValue(rec.value() == null ? null : ByteBuffer.wrap(rec.value()))
                .setReason(reason)
                .setAt(clock.instant().truncatedTo(ChronoUnit.MICROS))
                .build());
    }

    private int vmCount() {
        return Mono.fromCallable(() -> evictor.vmIds().size()).subscribeOn(scheduler).blockOptional().orElse(0);
    }

    /**
     * Stops taking records, waits (bounded) for the commands and dead letters in flight, commits the
     * acked offsets, then closes the clients and the thread. Idempotent. Do not rearrange: the gate
     * must come before the drain, and the drain before the consumer's final commit.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (subscription != null) {
            try {
                // On the evictor thread, so no record is half-way through process() afterwards.
                Mono.fromRunnable(() -> stopping = true).subscribeOn(scheduler).block(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                stopping = true;
            }
            awaitDrained();
        }
        if (live != null) {
            live.close();
        }
        if (subscription != null) {
            subscription.dispose();
        }
        producer.close(CLOSE_TIMEOUT);
        scheduler.dispose();
        LOG.info("evictor closed");
    }

    private void awaitDrained() {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (pending.get() > 0) {
            LOG.warning(() -> pending.get() + " commands/dead letters still unacknowledged after " + DRAIN_TIMEOUT
                    + "; their records will be redelivered");
        }
    }
}
