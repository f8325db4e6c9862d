package io.coldtier.evictor.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Objects;

/**
 * The service's counters. Totals per policy are tagged {@code policy}; sum over the tag for the
 * overall number. Names (all prefixed {@code coldtier.evictor.}):
 * <ul>
 *   <li>{@code scans.processed}, {@code faults.processed}: live records handed to the core;</li>
 *   <li>{@code replayed} (tag {@code topic}): records applied while rebuilding state;</li>
 *   <li>{@code commands.emitted}, {@code pages.commanded} (tag {@code policy}): acknowledged EvictCommands;</li>
 *   <li>{@code dead.letters} (tag {@code topic}): records parked on the dead-letter topic;</li>
 *   <li>{@code send.failures}: commands or dead letters the broker did not acknowledge (the source
 *       record stays unacked and is redelivered after a restart).</li>
 * </ul>
 */
public final class EvictorMetrics {
    public static final String PREFIX = "coldtier.evictor.";

    private final MeterRegistry registry;
    private final Counter scans;
    private final Counter faults;
    private final Counter sendFailures;

    public EvictorMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.scans = Counter.builder(PREFIX + "scans.processed").description("live scans handed to the core")
                .register(registry);
        this.faults = Counter.builder(PREFIX + "faults.processed").description("live faults handed to the core")
                .register(registry);
        this.sendFailures = Counter.builder(PREFIX + "send.failures")
                .description("commands or dead letters not acknowledged by the broker").register(registry);
    }

    void scan() {
        scans.increment();
    }

    void fault() {
        faults.increment();
    }

    void replayed(String topic) {
        registry.counter(PREFIX + "replayed", "topic", topic).increment();
    }

    void command(String policy, long pages) {
        registry.counter(PREFIX + "commands.emitted", "policy", policy).increment();
        registry.counter(PREFIX + "pages.commanded", "policy", policy).increment(pages);
    }

    void deadLetter(String topic) {
        registry.counter(PREFIX + "dead.letters", "topic", topic).increment();
    }

    void sendFailure() {
        sendFailures.increment();
    }

    /** Sum of a counter over all its tags (0 if never registered). */
    public double total(String name) {
        return registry.find(PREFIX + name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** One tagged counter's value (0 if never registered). */
    public double count(String name, String tagKey, String tagValue) {
        Counter c = registry.find(PREFIX + name).tag(tagKey, tagValue).counter();
        return c == null ? 0 : c.count();
    }
}
