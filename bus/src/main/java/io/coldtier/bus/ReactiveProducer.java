package io.coldtier.bus;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends byte[] records and reports each broker acknowledgement (acks=all) as a {@link Mono}.
 *
 * <p>One {@link KafkaProducer} is driven by one named platform thread, {@code kafka-producer-<name>}.
 * Why a thread of its own: {@link KafkaProducer#send} is asynchronous only once it has the topic's
 * metadata and buffer space; until then it blocks the caller for up to {@code max.block.ms}, which
 * must never happen on a Reactor thread or on the subscriber's thread. The same thread also
 * delivers the acknowledgements, so downstream operators never run on Kafka's network thread
 * (blocking there would stall every acknowledgement and every other send). Sends keep their
 * subscription order.
 *
 * <p>Nothing is sent until the Mono is subscribed; a Mono cancelled before its turn is not sent.
 */
public final class ReactiveProducer implements AutoCloseable {
    private final String name;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService loop;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread loopThread;

    /** A producer with {@link KafkaSettings#producerProps} for client id {@code name}. */
    public static ReactiveProducer create(KafkaSettings settings, String name) {
        return new ReactiveProducer(name, settings.producerProps(name));
    }

    public ReactiveProducer(String name, Properties producerProps) {
        this(name, new KafkaProducer<>(producerProps));
    }

    /** For tests and callers that build the producer themselves (e.g. a {@code MockProducer}); it becomes owned. */
    public ReactiveProducer(String name, Producer<byte[], byte[]> producer) {
        this.name = name;
        this.producer = producer;
        this.loop = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kafka-producer-" + name);
            t.setDaemon(true);
            loopThread = t;
            return t;
        });
    }

    public String name() {
        return name;
    }

    /** Sends one record; succeeds with its metadata once the broker acknowledged it, fails otherwise. */
    public Mono<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return Mono.create(sink -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            sink.onCancel(() -> cancelled.set(true));
            submit(sink, () -> {
                if (!cancelled.get()) {
                    producer.send(record, (md, ex) -> deliver(() -> {
                        if (ex != null) {
                            sink.error(ex);
                        } else {
                            sink.success(md);
                        }
                    }));
                }
            });
        });
    }

    /**
     * Sends every record, in order, and succeeds with their metadata (same order) once all are
     * acknowledged. The first failure fails the Mono; the records already handed to Kafka are not
     * recalled and may still be written.
     */
    public Mono<List<RecordMetadata>> sendAll(List<ProducerRecord<byte[], byte[]>> records) {
        if (records.isEmpty()) {
            return Mono.just(List.of());
        }
        List<ProducerRecord<byte[], byte[]>> batch = List.copyOf(records);
        return Mono.create(sink -> {
            RecordMetadata[] results = new RecordMetadata[batch.size()];
            AtomicInteger remaining = new AtomicInteger(batch.size());
            AtomicBoolean failed = new AtomicBoolean();
            submit(sink, () -> {
                for (int i = 0; i < batch.size() && !failed.get(); i++) {
                    int index = i;
                    producer.send(batch.get(i), (md, ex) -> deliver(() -> {
                        if (ex != null) {
                            if (failed.compareAndSet(false, true)) {
                                sink.error(ex);
                            }
                        } else {
                            results[index] = md;
                            if (remaining.decrementAndGet() == 0 && !failed.get()) {
                                sink.success(List.of(results));
                            }
                        }
                    }));
                }
            });
        });
    }

    /**
     * Blocks until every send subscribed before this call is acknowledged or failed and its Mono has
     * signalled. Must not be called from a downstream operator of this producer's Monos (that runs
     * on the producer thread, which this call waits for).
     */
    public void flush() {
        if (Thread.currentThread() == loopThread) {
            throw new IllegalStateException("flush() called on " + Thread.currentThread().getName() + " would deadlock");
        }
        barrier();               // every earlier send has reached KafkaProducer.send
        producer.flush();        // ... and has been acknowledged or failed
        barrier();               // ... and its completion, queued on the loop, has run
    }

    /**
     * Flushes for up to {@code timeout}, then closes the producer (records still unacknowledged fail)
     * and stops the thread. Idempotent; later sends fail with {@link IllegalStateException}.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != loopThread) {
            barrier();
        }
        producer.close(timeout);
        loop.shutdown();        // completions queued by close() still run
        if (Thread.currentThread() == loopThread) {
            return;             // closed from a downstream operator: the loop ends after this task
        }
        try {
            if (!loop.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private void submit(MonoSink<?> sink, Runnable send) {
        if (closed.get()) {
            sink.error(new IllegalStateException("producer " + name + " is closed"));
            return;
        }
        try {
            loop.execute(() -> {
                try {
                    send.run();
                } catch (RuntimeException e) {   // KafkaException, TimeoutException from max.block.ms, closed producer
                    sink.error(e);
                }
            });
        } catch (RejectedExecutionException e) {
            sink.error(new IllegalStateException("producer " + name + " is closed", e));
        }
    }

    /** Runs a completion on the loop thread; after close the loop is gone, so on the calling thread. */
    private void deliver(Runnable completion) {
        try {
            loop.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private void barrier() {
        CountDownLatch done = new CountDownLatch(1);
        try {
            loop.execute(done::countDown);
            done.await();
        } catch (RejectedExecutionException e) {
            // closed: nothing queued any more
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
