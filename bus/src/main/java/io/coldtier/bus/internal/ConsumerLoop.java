package io.coldtier.bus.internal;

import io.coldtier.bus.ConsumedRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Sinks.EmitResult;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The thread that owns a {@link Consumer}: polls, emits what downstream asked for, pauses, commits.
 *
 * <p>Why one dedicated platform thread, {@code kafka-consumer-<name>}: {@code KafkaConsumer} is not
 * thread-safe (every call but {@code wakeup()} from another thread throws
 * {@code ConcurrentModificationException}), its rebalance callbacks run inside {@code poll()}, and
 * {@code poll()}/{@code commitSync()} block. Serialising every call on one thread that does nothing
 * else makes the consumer safe and keeps blocking off Reactor's threads. Other threads talk to it
 * only through the ack queue, the sink's demand, a stop flag and {@code wakeup()}.
 *
 * <p>Demand: records are emitted only against outstanding demand and while fewer than
 * {@code maxInFlight} emitted records are unacked; otherwise every assigned partition is paused and
 * the loop keeps polling (with no records coming back) so that group membership and rebalances
 * keep working. Demand or acks arriving during such a paused poll cut it short with
 * {@code wakeup()}; a {@link WakeupException} reaching any other call is retried.
 *
 * <p>Commits: only offsets up to the contiguous acked prefix ({@link AckTracker}), with
 * {@code commitSync} at most every {@code commitInterval} of the injected clock, and always for
 * revoked partitions and at the end.
 */
public final class ConsumerLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

    /** What to read and how; see {@code ReactiveConsumer.Options} for the meaning of each. */
    public record Config(String name, List<String> topics, boolean assignFromBeginning, boolean trackAcks,
                         int maxInFlight, Duration commitInterval, Duration pollTimeout, boolean stopAtEnd,
                         Duration closeTimeout, Clock clock) {
    }

    private enum State { NEW, RUNNING, CLOSED }

    private final Config cfg;
    private final Consumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AckTracker tracker = new AckTracker();
    private final ConcurrentLinkedQueue<ConsumedRecord> acks = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer = new ArrayDeque<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final ConsumedRecord.Acknowledger acknowledger;
    private State state = State.NEW;
    private DemandEmitter<ConsumedRecord> emitter;
    private EndOffsets end = new EndOffsets(Map.of());
    private boolean completed;
    private long lastCommitMillis;
    private volatile boolean waiting;          // in a paused poll that a signal may cut short
    private volatile boolean waitingForAcks;   // ... paused because maxInFlight records are unacked
    private volatile boolean paused;
    private volatile int inFlight;

    public ConsumerLoop(Config cfg, Consumer<byte[], byte[]> consumer) {
        this.cfg = cfg;
        this.consumer = consumer;
        this.thread = new Thread(this, "kafka-consumer-" + cfg.name());
        this.thread.setDaemon(true);
        this.acknowledger = cfg.trackAcks() ? this::onAck : ConsumedRecord.Acknowledger.NONE;
    }

    /** Called by {@code Flux.create} for the (single) subscriber. */
    public void start(FluxSink<ConsumedRecord> sink) {
        synchronized (this) {
            if (state != State.NEW) {
                sink.error(new IllegalStateException("consumer " + cfg.name() + (state == State.CLOSED
                        ? " is closed" : " supports a single subscriber to receive()")));
                return;
            }
            state = State.RUNNING;
            emitter = new DemandEmitter<>(sink, thread);
        }
        sink.onRequest(n -> signal());
        sink.onCancel(this::requestStop);
        sink.onDispose(this::signal);
        thread.start();
    }

    /** Stops the loop, waits for its final commit and consumer close. Idempotent; callable from any thread. */
    public void close() {
        State before;
        synchronized (this) {
            before = state;
            state = State.CLOSED;
        }
        if (before == State.NEW) {
            consumer.close(CloseOptions.timeout(cfg.closeTimeout()));
            done.countDown();
            return;
        }
        requestStop();
        if (Thread.currentThread() == thread) {
            return;   // closed from a downstream operator: the loop ends after the current emission
        }
        try {
            long waitMs = cfg.closeTimeout().toMillis() * 3 + 5_000;
            if (!done.await(waitMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("consumer {} did not stop within {} ms", cfg.name(), waitMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean paused() {
        return paused;
    }

    public long pauseCount() {
        return pauses.get();
    }

    public long commitCount() {
        return commits.get();
    }

    public int inFlight() {
        return inFlight;
    }

    public boolean stopped() {
        return done.getCount() == 0;
    }

    @Override
    public void run() {
        Throwable failure = null;
        try {
            begin();
            while (!stopRequested.get()) {
                drainAcks();
                emitBuffered();
                checkEnd();
                if (completed && tracker.inFlight() == 0) {
                    break;   // stopAtEnd: everything emitted and acked; nothing left to do
                }
                if (cfg.clock().millis() - lastCommitMillis >= cfg.commitInterval().toMillis()) {
                    commit(tracker.toCommit());
                }
                boolean pause = shouldPause();
                applyPause(pause);
                pollOnce(pause);
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            finish(failure);
        }
    }

    private void begin() {
        List<TopicPartition> all = cfg.assignFromBeginning() || cfg.stopAtEnd() ? partitionsOf(cfg.topics()) : List.of();
        if (cfg.assignFromBeginning()) {
            consumer.assign(all);
            consumer.seekToBeginning(all);
        } else {
            consumer.subscribe(cfg.topics(), new Rebalance());
        }
        if (cfg.stopAtEnd()) {
            Map<TopicPartition, Long> ends = retryOnWakeup(() -> consumer.endOffsets(all));
            LOG.debug("consumer {}: end offsets at start {}", cfg.name(), ends);
            end = new EndOffsets(ends);
        }
        lastCommitMillis = cfg.clock().millis();
    }

    private List<TopicPartition> partitionsOf(List<String> topics) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = retryOnWakeup(() -> consumer.partitionsFor(topic));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " has no partitions (does it exist?)");
            }
            infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        return out;
    }

    private void emitBuffered() {
        while (!buffer.isEmpty()) {
            if (inFlightFull()) {
                return;
            }
            ConsumerRecord<byte[], byte[]> r = buffer.peekFirst();
            ConsumedRecord rec = new ConsumedRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(),
                    r.timestamp(), r.headers(), acknowledger);
            EmitResult result = emitter.tryEmitNext(rec);
            switch (result) {
                case OK -> {
                    buffer.pollFirst();
                    if (cfg.trackAcks()) {
                        tracker.emitted(new TopicPartition(r.topic(), r.partition()), r.offset());
                        inFlight = tracker.inFlight();
                    }
                }
                // No demand: keep the record; the loop pauses and polls nothing until demand returns.
                case FAIL_OVERFLOW, FAIL_ZERO_SUBSCRIBER -> {
                    return;
                }
                // Only this thread emits, so this cannot happen; keep the record and retry next turn.
                case FAIL_NON_SERIALIZED -> {
                    LOG.error("consumer {}: concurrent emission detected; retrying", cfg.name());
                    return;
                }
                case FAIL_CANCELLED, FAIL_TERMINATED -> {
                    stopRequested.set(true);
                    return;
                }
            }
        }
    }

    private boolean inFlightFull() {
        if (!cfg.trackAcks() || tracker.inFlight() < cfg.maxInFlight()) {
            return false;
        }
        drainAcks();
        return tracker.inFlight() >= cfg.maxInFlight();
    }

    private void checkEnd() {
        if (!cfg.stopAtEnd() || completed || !buffer.isEmpty()) {
            return;
        }
        if (end.reached(consumer.assignment(), tp -> retryOnWakeup(() -> consumer.position(tp)))) {
            completed = true;
            emitter.complete();
        }
    }

    private boolean shouldPause() {
        boolean full = cfg.trackAcks() && tracker.inFlight() >= cfg.maxInFlight();
        waitingForAcks = full;
        return completed || full || !buffer.isEmpty() || emitter.demand() <= 0;
    }

    private void applyPause(boolean pause) {
        Set<TopicPartition> assigned = consumer.assignment();
        Set<TopicPartition> want = new HashSet<>(pause ? assigned : end.finished());
        want.retainAll(assigned);
        Set<TopicPartition> now = consumer.paused();
        Set<TopicPartition> toPause = new HashSet<>(want);
        toPause.removeAll(now);
        Set<TopicPartition> toResume = new HashSet<>(now);
        toResume.removeAll(want);
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
        }
        if (pause && !paused) {
            pauses.incrementAndGet();
        }
        paused = pause;
    }

    private void pollOnce(boolean pause) {
        Duration timeout = cfg.pollTimeout();
        if (pause) {
            waiting = true;
            // A signal sent before `waiting` was set found nobody to wake: look for its effect here.
            if (!completed && emitter.demand() > 0 && (!waitingForAcks || !acks.isEmpty())) {
                timeout = Duration.ZERO;
            }
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            records = ConsumerRecords.empty();
        } finally {
            waiting = false;
            wakePending.set(false);
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (end.includes(new TopicPartition(r.topic(), r.partition()), r.offset())) {
                buffer.add(r);
            }
        }
    }

    private void drainAcks() {
        ConsumedRecord r;
        while ((r = acks.poll()) != null) {
            tracker.ack(r.topicPartition(), r.offset());
        }
        inFlight = tracker.inFlight();
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        lastCommitMillis = cfg.clock().millis();
        if (!cfg.trackAcks() || offsets.isEmpty()) {
            return;
        }
        try {
            retryOnWakeup(() -> {
                consumer.commitSync(offsets);
                return null;
            });
            tracker.committed(offsets);
            commits.incrementAndGet();
        } catch (KafkaException e) {
            // Rebalance in progress, coordinator unavailable, timeout: the acks stay committable and
            // are retried at the next interval or on revocation; at worst the records are redelivered.
            LOG.warn("consumer {}: commit of {} failed: {}", cfg.name(), offsets, e.toString());
        }
    }

    private void forget(Collection<TopicPartition> parts) {
        tracker.revoke(parts);
        buffer.removeIf(r -> parts.contains(new TopicPartition(r.topic(), r.partition())));
        end.forget(parts);
        inFlight = tracker.inFlight();
    }

    private void finish(Throwable failure) {
        try {
            drainAcks();
            commit(tracker.toCommit());
        } catch (RuntimeException e) {
            LOG.warn("consumer {}: final commit failed", cfg.name(), e);
        }
        try {
            consumer.close(CloseOptions.timeout(cfg.closeTimeout()));
        } catch (RuntimeException e) {
            LOG.warn("consumer {}: close failed", cfg.name(), e);
        }
        paused = false;
        if (failure != null) {
            LOG.error("consumer {} failed", cfg.name(), failure);
            emitter.error(failure);
        } else {
            emitter.complete();
        }
        done.countDown();
    }

    private void onAck(ConsumedRecord r) {
        acks.add(r);
        if (waitingForAcks) {
            signal();
        }
    }

    /** Cuts a paused poll short; from any thread. At most one wakeup per paused poll. */
    private void signal() {
        if (waiting && wakePending.compareAndSet(false, true)) {
            consumer.wakeup();
        }
    }

    private void requestStop() {
        if (stopRequested.compareAndSet(false, true)) {
            consumer.wakeup();
        }
    }

    /** A wakeup meant for a paused poll may land on the next blocking call instead: repeat that call. */
    private static <T> T retryOnWakeup(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (WakeupException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Runs inside {@code poll()}, on the loop thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            if (parts.isEmpty()) {
                return;
            }
            drainAcks();
            commit(tracker.toCommit(parts));
            forget(parts);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            forget(parts);   // someone else owns them already: committing would fail
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            if (paused && !parts.isEmpty()) {
                consumer.pause(parts);
            }
        }
    }
}
