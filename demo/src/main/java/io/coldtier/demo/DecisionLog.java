package io.coldtier.demo;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.report.RunRecording.PolicyDecision;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.AgeBucket;
import io.coldtier.schemas.avro.EvictCommand;
import reactor.core.Disposable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * What the policy decided, read where the agent reads it: {@code coldtier.evictions}, in a consumer group of the
 * demo's own (so the agent's group is untouched). Keeps every non-empty command for this VM issued after the demo
 * started, with the policy's evidence (the page-age histogram it saw) in words. Owns its consumer.
 */
final class DecisionLog implements AutoCloseable {
    /** Enough for a long demo; later decisions are counted, not kept (the report would be unreadable anyway). */
    private static final int MAX_KEPT = 2000;

    private final String vmId;
    private final Instant since;
    private final long startNanos;
    private final IntSupplier currentCycle;
    private final ReactiveConsumer consumer;
    private final Disposable subscription;
    private final List<PolicyDecision> decisions = new ArrayList<>();
    private final LongAdder commands = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param currentCycle the demo's latest sampled cycle: a command answers the scan of the cycle that just ended
     */
    DecisionLog(KafkaSettings kafka, String vmId, String groupId, long startNanos, IntSupplier currentCycle) {
        this.vmId = vmId;
        this.since = Instant.now();
        this.startNanos = startNanos;
        this.currentCycle = currentCycle;
        this.consumer = ReactiveConsumer.subscribe(kafka, "demo-decisions", groupId, List.of(Topics.EVICTIONS));
        this.subscription = consumer.receive().subscribe(this::accept);
    }

    private void accept(ConsumedRecord rec) {
        try {
            EvictCommand cmd = Codec.decode(rec.value(), EvictCommand.class);
            if (!vmId.equals(cmd.getVmId()) || cmd.getIssuedAt().isBefore(since)) {
                return;
            }
            commands.increment();
            long pages = Bitmaps.fromBytes(cmd.getPages()).getLongCardinality();
            if (pages == 0) {
                return;
            }
            synchronized (decisions) {
                if (decisions.size() < MAX_KEPT) {
                    decisions.add(new PolicyDecision(currentCycle.getAsInt(), (System.nanoTime() - startNanos) / 1e9,
                            cmd.getPolicy(), pages, evidence(cmd.getAgeHistogram())));
                }
            }
        } catch (RuntimeException e) {
            // A record the demo cannot read is not the demo's to fix; the agent dead-letters or ignores it.
        } finally {
            rec.ack();
        }
    }

    /** "page ages (cycles idle → pages): 0→5,120 1→3 2→1 ≥3→255,012". */
    static String evidence(List<AgeBucket> ages) {
        StringBuilder sb = new StringBuilder("page ages (cycles idle → pages):");
        int shown = 0;
        long rest = 0;
        int restFrom = -1;
        for (AgeBucket b : ages) {
            if (shown < 8) {
                sb.append(String.format(Locale.ROOT, " %d→%,d", b.getAge(), b.getPages()));
                shown++;
            } else {
                restFrom = restFrom < 0 ? b.getAge() : restFrom;
                rest += b.getPages();
            }
        }
        if (restFrom >= 0) {
            sb.append(String.format(Locale.ROOT, " ≥%d→%,d", restFrom, rest));
        }
        return sb.toString();
    }

    List<PolicyDecision> decisions() {
        synchronized (decisions) {
            return List.copyOf(decisions);
        }
    }

    long commands() {
        return commands.sum();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            subscription.dispose();
            consumer.close();
        }
    }
}
