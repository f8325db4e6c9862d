package io.coldtier.agent;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Decoded;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.ScanResult;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.roaringbitmap.RoaringBitmap;
import reactor.core.Disposable;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test plays the evictor: pages idle for {@value #IDLE_SCANS} scans in a row are commanded out. It also counts
 * the agent's FaultEvents by kind.
 */
final class TestEvictor implements AutoCloseable {
    static final int IDLE_SCANS = 2;

    private final String vmId;
    private final int[] idle;
    private final ReactiveConsumer scans;
    private final ReactiveConsumer faults;
    private final ReactiveProducer producer;
    private final Disposable scanSub;
    private final Disposable faultSub;
    final AtomicBoolean enabled = new AtomicBoolean(true);
    final AtomicLong scansSeen = new AtomicLong();
    final AtomicLong commandsSent = new AtomicLong();
    final AtomicLong refaultEvents = new AtomicLong();
    final AtomicLong trapEvents = new AtomicLong();

    TestEvictor(KafkaSettings kafka, String vmId, int pages) {
        this.vmId = vmId;
        this.idle = new int[pages];
        this.producer = ReactiveProducer.create(kafka, "test-evictor-" + vmId);
        this.scans = ReactiveConsumer.subscribe(kafka, "test-scans-" + vmId, "test-evictor-" + vmId,
                List.of(Topics.SCANS));
        this.faults = ReactiveConsumer.subscribe(kafka, "test-faults-" + vmId, "test-faults-" + vmId,
                List.of(Topics.FAULTS));
        this.scanSub = scans.receive().subscribe(this::onScan);
        this.faultSub = faults.receive().subscribe(this::onFault);
    }

    private void onScan(ConsumedRecord rec) {
        rec.ack();
        if (!(Codec.decode(rec.value()) instanceof Decoded.Ok(ScanResult s)) || !vmId.equals(s.getVmId())) {
            return;
        }
        scansSeen.incrementAndGet();
        RoaringBitmap accessed = Bitmaps.fromBytes(s.getAccessed());
        RoaringBitmap victims = new RoaringBitmap();
        for (int p = 0; p < idle.length; p++) {
            idle[p] = accessed.contains(p) ? 0 : idle[p] + 1;
            if (idle[p] >= IDLE_SCANS) {
                victims.add(p);
            }
        }
        if (!enabled.get()) {
            return;
        }
        EvictCommand cmd = EvictCommand.newBuilder().setVmId(vmId).setRegion(s.getRegion()).setCycle(s.getCycle())
                .setCommandId(vmId + "/" + s.getRegion() + "/" + s.getCycle()).setPolicy("test-idle-" + IDLE_SCANS)
                .setPages(Bitmaps.toBytes(victims)).setAgeHistogram(List.of()).setIssuedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(Topics.EVICTIONS, vmId.getBytes(StandardCharsets.UTF_8),
                Codec.encode(cmd))).subscribe(md -> commandsSent.incrementAndGet(), e -> { });
    }

    private void onFault(ConsumedRecord rec) {
        rec.ack();
        if (Codec.decode(rec.value()) instanceof Decoded.Ok(FaultEvent f) && vmId.equals(f.getVmId())) {
            if (f.getKind() == FaultKind.REFAULT) {
                refaultEvents.incrementAndGet();
            } else if (f.getKind() == FaultKind.TRAP) {
                trapEvents.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        scans.close();
        faults.close();
        scanSub.dispose();
        faultSub.dispose();
        producer.close();
    }
}
