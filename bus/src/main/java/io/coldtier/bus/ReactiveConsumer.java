package io.coldtier.bus;

import io.coldtier.bus.internal.ConsumerLoop;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Kafka records as a demand-driven {@link Flux}, committed only once their effect is durable: the
 * bridge that replaces reactor-kafka (discontinued, built for Kafka 3, see stack-notes Q3).
 *
 * <p>One platform thread, {@code kafka-consumer-<name>}, owns the {@code KafkaConsumer}, because
 * the consumer is not thread-safe and its rebalance callbacks run inside {@code poll()} (details in
 * {@link ConsumerLoop}). Records are emitted on that thread: do not block in {@code onNext}; use
 * {@code publishOn} for slow work.
 *
 * <ul>
 *   <li><b>Backpressure.</b> With no outstanding demand, or with {@code maxInFlight} emitted records
 *       unacked, the consumer pauses all its partitions and keeps polling (empty polls keep the
 *       group membership alive); it resumes when demand or acks return.</li>
 *   <li><b>Commits.</b> {@link ConsumedRecord#ack()} marks a record done. Offsets are committed up to
 *       the highest <em>contiguous</em> acked offset per partition, at most every
 *       {@code commitInterval}, on revocation and on close. A record not acked is delivered again
 *       after a restart or rebalance: at-least-once.</li>
 *   <li><b>Modes.</b> {@link #subscribe} joins a consumer group; {@link #replay} assigns every
 *       partition and reads from the beginning without a group (acks are no-ops, nothing is
 *       committed). {@code stopAtEnd} completes the Flux once the end offsets seen at start are
 *       reached (in subscribe mode: for the partitions assigned to this member).</li>
 *   <li><b>Lifecycle.</b> {@link #receive()} may be subscribed once; the loop starts then.
 *       Cancelling the subscription stops the consumer (acked offsets are committed). With
 *       {@code stopAtEnd}, after completion the consumer commits late acks and stops by itself once
 *       nothing is in flight. {@link #close()} is idempotent and always safe.</li>
 * </ul>
 */
public final class ReactiveConsumer implements AutoCloseable {

    /**
     * @param maxInFlight    emitted-but-unacked records before the consumer pauses (subscribe mode)
     * @param commitInterval least time between two periodic commits, by {@code clock}
     * @param pollTimeout    longest single {@code poll()}; also bounds how long a commit can be late
     * @param stopAtEnd      complete the Flux at the end offsets observed at start
     * @param closeTimeout   bound for the consumer's own {@code close()}
     * @param clock          time source of the commit interval (injectable for tests)
     */
    public record Options(int maxInFlight, Duration commitInterval, Duration pollTimeout, boolean stopAtEnd,
                          Duration closeTimeout, Clock clock) {
        public Options {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1: " + maxInFlight);
            }
            Objects.requireNonNull(commitInterval, "commitInterval");
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            Objects.requireNonNull(clock, "clock");
        }

        public static Options defaults() {
            return new Options(1000, Duration.ofSeconds(1), Duration.ofMillis(100), false, Duration.ofSeconds(10),
                    Clock.systemUTC());
        }

        public Options withMaxInFlight(int n) {
            return new Options(n, commitInterval, pollTimeout, stopAtEnd, closeTimeout, clock);
        }

        public Options withCommitInterval(Duration d) {
            return new Options(maxInFlight, d, pollTimeout, stopAtEnd, closeTimeout, clock);
        }

        public Options withPollTimeout(Duration d) {
            return new Options(maxInFlight, commitInterval, d, stopAtEnd, closeTimeout, clock);
        }

        public Options withStopAtEnd(boolean b) {
            return new Options(maxInFlight, commitInterval, pollTimeout, b, closeTimeout, clock);
        }

        public Options withClock(Clock c) {
            return new Options(maxInFlight, commitInterval, pollTimeout, stopAtEnd, closeTimeout, c);
        }
    }

    private final String name;
    private final ConsumerLoop loop;

    private ReactiveConsumer(String name, ConsumerLoop loop) {
        this.name = name;
        this.loop = loop;
    }

    /** Joins consumer group {@code groupId} on {@code topics} with default options. */
    public static ReactiveConsumer subscribe(KafkaSettings settings, String name, String groupId,
                                             Collection<String> topics) {
        return subscribe(settings, name, groupId, topics, Options.defaults());
    }

    public static ReactiveConsumer subscribe(KafkaSettings settings, String name, String groupId,
                                             Collection<String> topics, Options options) {
        Objects.requireNonNull(groupId, "groupId");
        return create(name, new KafkaConsumer<>(settings.consumerProps(groupId, name)), topics, false, true, options);
    }

    /** Reads every partition of {@code topics} from the beginning to the end offsets seen at start, then completes. */
    public static ReactiveConsumer replay(KafkaSettings settings, String name, Collection<String> topics) {
        return replay(settings, name, topics, Options.defaults().withStopAtEnd(true));
    }

    /** Reads every partition of {@code topics} from the beginning, group-less; {@code options.stopAtEnd} decides when to stop. */
    public static ReactiveConsumer replay(KafkaSettings settings, String name, Collection<String> topics,
                                          Options options) {
        return create(name, new KafkaConsumer<>(settings.consumerProps(null, name)), topics, true, false, options);
    }

    /**
     * Over a consumer built elsewhere (e.g. {@code MockConsumer} in tests), which becomes owned.
     *
     * @param assignFromBeginning replay mode (assign + seekToBeginning) instead of subscribe
     * @param trackAcks           commit acked offsets and bound in-flight records (needs a group)
     */
    public static ReactiveConsumer create(String name, Consumer<byte[], byte[]> consumer, Collection<String> topics,
                                          boolean assignFromBeginning, boolean trackAcks, Options options) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no topics");
        }
        var cfg = new ConsumerLoop.Config(name, List.copyOf(topics), assignFromBeginning, trackAcks,
                options.maxInFlight(), options.commitInterval(), options.pollTimeout(), options.stopAtEnd(),
                options.closeTimeout(), options.clock());
        return new ReactiveConsumer(name, new ConsumerLoop(cfg, consumer));
    }

    /**
     * The records. Subscribe once (a second subscriber gets {@link IllegalStateException}); the
     * polling thread starts at subscription. Completes on {@link #close()} or, with
     * {@code stopAtEnd}, at the end; errors if the consumer fails.
     */
    public Flux<ConsumedRecord> receive() {
        // ERROR, not BUFFER: the loop emits only against demand, so an overflow would be a bug to surface.
        return Flux.create(loop::start, FluxSink.OverflowStrategy.ERROR);
    }

    public String name() {
        return name;
    }

    /** Whether the partitions are paused for backpressure right now. */
    public boolean paused() {
        return loop.paused();
    }

    /** How many times the consumer went from polling to paused. */
    public long pauseCount() {
        return loop.pauseCount();
    }

    /** Emitted records not acked yet, as last seen by the loop (0 in replay mode). */
    public int inFlight() {
        return loop.inFlight();
    }

    /** Successful {@code commitSync} calls so far. */
    public long commitCount() {
        return loop.commitCount();
    }

    /** True once the loop has committed, closed the consumer and terminated the Flux. */
    public boolean stopped() {
        return loop.stopped();
    }

    /**
     * Stops polling, commits the acked offsets, closes the consumer and completes the Flux, waiting
     * for all of it; returns promptly even while the loop is blocked in {@code poll()}. Idempotent.
     * Called from the consumer's own thread (a downstream operator), it only requests the stop.
     */
    @Override
    public void close() {
        loop.close();
    }
}
