package io.coldtier.bench.pipeline;

import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.ScanResult;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.roaringbitmap.RoaringBitmap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes ScanResults the way the agent does (one per region per cycle, key vmId, {@link Bitmaps#toBytes} of the
 * accessed pages, {@link Codec#encode}, {@link ReactiveProducer#send} with the bus's producer settings: acks=all,
 * idempotent, linger 5 ms), for a fleet of {@code vms} one-region VMs, as fast as the producer acknowledges.
 *
 * <p>The accessed bitmaps come from a small pool serialized once (the agent serializes one per region per cycle;
 * that is not the bus's cost). Each record is still built and encoded on its own. At most {@value #MAX_UNACKED}
 * records are unacknowledged at once, so the producer's 32 MiB buffer, not this process's heap, is what fills up.
 */
final class ScanPublisher implements AutoCloseable {
    private static final int MAX_UNACKED = 2048;
    private static final int POOL = 16;

    /** What one publishing pass sent; every record was acknowledged by the broker. */
    record Published(long records, long valueBytes, long nanos) {}

    private final ReactiveProducer producer;
    private final long pages;
    private final byte[][] keys;
    private final String[] vmIds;
    private final long[] cycles;
    private final ByteBuffer[] accessed;
    private final long[] accessedCounts;
    private final Semaphore unacked = new Semaphore(MAX_UNACKED);
    private final AtomicLong failures = new AtomicLong();
    private volatile Throwable firstFailure;
    private long next;

    /**
     * @param accessedFraction share of the region's pages marked accessed, at random positions
     * @param batchSize        the producer's {@code batch.size}, or 0 for the bus's settings (Kafka's 16 KiB)
     */
    ScanPublisher(String bootstrapServers, int vms, long pages, double accessedFraction, int batchSize, long seed) {
        this.pages = pages;
        this.keys = new byte[vms][];
        this.vmIds = new String[vms];
        this.cycles = new long[vms];
        for (int v = 0; v < vms; v++) {
            vmIds[v] = String.format("scan-vm-%02d", v);
            keys[v] = vmIds[v].getBytes(StandardCharsets.UTF_8);
        }
        this.accessed = new ByteBuffer[POOL];
        this.accessedCounts = new long[POOL];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < POOL; i++) {
            RoaringBitmap b = new RoaringBitmap();
            for (int p = 0; p < pages; p++) {
                if (rnd.nextDouble() < accessedFraction) {
                    b.add(p);
                }
            }
            accessed[i] = Bitmaps.toBytes(b);
            accessedCounts[i] = b.getLongCardinality();
        }
        Properties props = KafkaSettings.of(bootstrapServers, "bench").producerProps("bench-scan-events");
        if (batchSize > 0) {
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(batchSize));
        }
        this.producer = new ReactiveProducer("bench-scan-events", props);
    }

    /** Serialized size of the accessed bitmap (the first of the pool; they differ by a few bytes at most). */
    int bitmapBytes() {
        return accessed[0].remaining();
    }

    /** Publishes {@code count} records and waits for every ack. */
    Published publish(long count) throws InterruptedException {
        return publish(count, Long.MAX_VALUE);
    }

    /** Publishes for {@code time}, then waits for every ack. */
    Published publishFor(Duration time) throws InterruptedException {
        return publish(Long.MAX_VALUE, System.nanoTime() + time.toNanos());
    }

    private Published publish(long count, long deadline) throws InterruptedException {
        long t0 = System.nanoTime();
        long records = 0;
        long bytes = 0;
        while (records < count && System.nanoTime() < deadline) {
            byte[] value = nextRecord();
            unacked.acquire();
            producer.send(new ProducerRecord<>(Topics.SCANS, keys[(int) (next % keys.length)], value))
                    .subscribe(md -> unacked.release(), this::failed);
            next++;
            records++;
            bytes += value.length;
        }
        if (!unacked.tryAcquire(MAX_UNACKED, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException((MAX_UNACKED - unacked.availablePermits())
                    + " ScanResults still unacknowledged after 60 s");
        }
        unacked.release(MAX_UNACKED);
        if (failures.get() != 0) {
            throw new IllegalStateException(failures.get() + " ScanResults not acknowledged: " + firstFailure,
                    firstFailure);
        }
        return new Published(records, bytes, System.nanoTime() - t0);
    }

    private byte[] nextRecord() {
        int vm = (int) (next % keys.length);
        // Rotate each VM through the pool, so each scan shows it a new accessed set (idle pages keep appearing).
        int pick = (int) ((cycles[vm] + vm) % POOL);
        Instant now = Instant.now();
        ScanResult s = ScanResult.newBuilder().setVmId(vmIds[vm]).setRegion(0).setCycle(++cycles[vm])
                .setArmedAt(now.minusSeconds(1)).setScannedAt(now).setPageSize((int) PipelineGuest.PAGE)
                .setPages(pages).setAccessedCount(accessedCounts[pick]).setResidentCount(pages).setEvictedCount(0)
                .setAccessed(accessed[pick].duplicate()).build();
        return Codec.encode(s);
    }

    private void failed(Throwable e) {
        if (failures.getAndIncrement() == 0) {
            firstFailure = e;
        }
        unacked.release();
    }

    @Override
    public void close() {
        producer.close();
    }
}
