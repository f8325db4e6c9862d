package io.coldtier.bus;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Creates, deletes and inspects topics over one {@link Admin} client. Calls block (they are set-up
 * steps, not part of a stream) and give up after {@code timeout}.
 */
public final class TopicAdmin implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;
    private final Duration timeout;
    private boolean closed;

    public TopicAdmin(KafkaSettings settings) {
        this(settings, DEFAULT_TIMEOUT);
    }

    public TopicAdmin(KafkaSettings settings, Duration timeout) {
        this.admin = Admin.create(settings.adminProps("admin"));
        this.timeout = timeout;
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of every named topic
     * has a leader. Idempotent: existing topics ({@link TopicExistsException}) are fine and are not
     * altered, even if their partition count or configs differ from {@code topics}.
     */
    public void ensureTopics(Collection<NewTopic> topics) {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, KafkaFuture<Void>> created = admin.createTopics(topics).values();
        for (var e : created.entrySet()) {
            try {
                await(e.getValue(), deadline);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("creating topic " + e.getKey() + " failed", ex.getCause());
                }
            }
        }
        awaitVisible(topics.stream().map(NewTopic::name).collect(Collectors.toSet()), deadline);
    }

    /** Deletes the topics; unknown topics are ignored. Returns when the controller accepted the deletion. */
    public void deleteTopics(Collection<String> names) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (var e : admin.deleteTopics(names).topicNameValues().entrySet()) {
            try {
                await(e.getValue(), deadline);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("deleting topic " + e.getKey() + " failed", ex.getCause());
                }
            }
        }
    }

    public Set<String> listTopics() {
        try {
            return await(admin.listTopics().names(), System.nanoTime() + timeout.toNanos());
        } catch (ExecutionException e) {
            throw new IllegalStateException("listing topics failed", e.getCause());
        }
    }

    /** The log-end offset of every partition of {@code topic}, ordered by partition. */
    public Map<TopicPartition, Long> endOffsets(String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            TopicDescription d = await(admin.describeTopics(List.of(topic)).allTopicNames(), deadline).get(topic);
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            for (TopicPartitionInfo p : d.partitions()) {
                specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            var result = await(admin.listOffsets(specs).all(), deadline);
            Map<TopicPartition, Long> out = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
            result.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("end offsets of " + topic + " failed", e.getCause());
        }
    }

    /** The underlying client, for anything not wrapped here. Owned by this object: do not close it. */
    public Admin admin() {
        return admin;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            admin.close(timeout);
        }
    }

    private void awaitVisible(Set<String> names, long deadline) {
        while (true) {
            try {
                Map<String, TopicDescription> d = await(admin.describeTopics(names).allTopicNames(), deadline);
                boolean ready = d.values().stream()
                        .allMatch(t -> !t.partitions().isEmpty()
                                && t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("describing " + names + " failed", e.getCause());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " not visible after " + timeout);
            }
            sleep(50);
        }
    }

    private <T> T await(KafkaFuture<T> f, long deadlineNanos) throws ExecutionException {
        try {
            return f.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("admin call timed out after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
