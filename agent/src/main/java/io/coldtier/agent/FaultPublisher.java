package io.coldtier.agent;

import io.coldtier.bus.ReactiveProducer;
import io.coldtier.faultsource.FaultListener;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The {@link FaultListener} of the agent and the thread that turns its facts into {@code coldtier.faults}
 * records. The listener runs on the fault loop's thread, so it only offers a small record to a bounded queue (a
 * full queue drops the event and counts it: never block the loop that resolves guest faults); the named platform
 * thread {@code fault-publisher-<vmId>} drains the queue and sends.
 */
final class FaultPublisher implements FaultListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultPublisher.class);

    private record Fact(FaultKind kind, int region, long page, long version, long latencyNanos, int prefetched,
                        long cycle, Instant at) {}

    private final String vmId;
    private final byte[] key;
    private final ReactiveProducer producer;
    private final LongSupplier cycle;
    private final ArrayBlockingQueue<Fact> queue;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Thread thread;
    private volatile boolean running = true;

    FaultPublisher(String vmId, ReactiveProducer producer, LongSupplier cycle, int capacity) {
        this.vmId = vmId;
        this.key = vmId.getBytes(StandardCharsets.UTF_8);
        this.producer = producer;
        this.cycle = cycle;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("fault-publisher-" + vmId).daemon(true).start(this::run);
    }

    @Override
    public void refaulted(int region, long page, long version, long latencyNanos, int prefetched) {
        offer(new Fact(FaultKind.REFAULT, region, page, version, latencyNanos, prefetched, cycle.getAsLong(),
                Instant.now()));
    }

    @Override
    public void trapped(int region, long page) {
        offer(new Fact(FaultKind.TRAP, region, page, -1, 0, 0, cycle.getAsLong(), Instant.now()));
    }

    @Override
    public void poisoned(int region, long page, long version, String reason) {
        offer(new Fact(FaultKind.POISON, region, page, version, 0, 0, cycle.getAsLong(), Instant.now()));
    }

    private void offer(Fact f) {
        if (!queue.offer(f)) {
            dropped.increment();
        }
    }

    private void run() {
        List<Fact> batch = new ArrayList<>(512);
        while (running || !queue.isEmpty()) {
            try {
                Fact first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 511);
                for (Fact f : batch) {
                    send(f);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("fault publisher of {}: {}", vmId, e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    private void send(Fact f) {
        FaultEvent e = FaultEvent.newBuilder().setVmId(vmId).setRegion(f.region()).setCycle(f.cycle())
                .setAt(f.at()).setKind(f.kind()).setPage(f.page()).setPageVersion(f.version())
                .setLatencyNanos(f.latencyNanos()).setPrefetched(f.prefetched()).build();
        producer.send(new ProducerRecord<>(Topics.FAULTS, key, Codec.encode(e)))
                .subscribe(md -> sent.increment(), ex -> failed.increment());
    }

    long dropped() {
        return dropped.sum();
    }

    long sent() {
        return sent.sum();
    }

    long failed() {
        return failed.sum();
    }

    /** Drains what is queued (bounded), then stops the thread. Idempotent. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }
}
