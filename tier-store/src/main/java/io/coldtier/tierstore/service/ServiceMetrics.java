package io.coldtier.tierstore.service;

import io.coldtier.tierstore.PageRpcServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The service's Micrometer meters, all named {@code coldtier.tierstore.*}. Registered at start and removed from
 * the registry on close, so a service restarted with the same registry binds its gauges to the new RPC server
 * instead of inheriting the old one's (Micrometer returns an existing meter for an existing id).
 */
final class ServiceMetrics {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    final Counter pagesStored;
    final Counter bytesStored;
    final Counter duplicates;
    final Counter stale;
    final Counter deletedByTombstone;
    final Counter deletedByDrop;
    final Counter pagesRebuilt;
    final Counter deadLetters;

    ServiceMetrics(MeterRegistry registry) {
        this.registry = registry;
        pagesStored = counter("coldtier.tierstore.pages.stored", "pages written (APPLIED puts)");
        bytesStored = counter("coldtier.tierstore.bytes.stored", "content bytes of the pages written");
        duplicates = counter("coldtier.tierstore.pages.ignored", "puts that changed nothing", "result", "duplicate");
        stale = counter("coldtier.tierstore.pages.ignored", "puts that changed nothing", "result", "stale");
        deletedByTombstone = counter("coldtier.tierstore.pages.deleted", "pages deleted", "cause", "tombstone");
        deletedByDrop = counter("coldtier.tierstore.pages.deleted", "pages deleted", "cause", "drop");
        pagesRebuilt = counter("coldtier.tierstore.pages.rebuilt", "pages written by the rebuild at start");
        deadLetters = counter("coldtier.tierstore.dead.letters", "records parked on coldtier.dead-letters");
    }

    /** The RPC server's {@link PageRpcServer.Stats} as gauges (read on every scrape). */
    void bindRpc(PageRpcServer server) {
        gauge("coldtier.tierstore.rpc.requests", server, s -> s.stats().requests());
        gauge("coldtier.tierstore.rpc.pages.found", server, s -> s.stats().pagesFound());
        gauge("coldtier.tierstore.rpc.bad.requests", server, s -> s.stats().badRequests());
        gauge("coldtier.tierstore.rpc.errors", server, s -> s.stats().errors());
        gauge("coldtier.tierstore.rpc.connections.open", server, s -> s.stats().openConnections());
        gauge("coldtier.tierstore.rpc.connections.accepted", server, s -> s.stats().connectionsAccepted());
        gauge("coldtier.tierstore.rpc.bytes.in", server, s -> s.stats().bytesIn());
        gauge("coldtier.tierstore.rpc.bytes.out", server, s -> s.stats().bytesOut());
    }

    /** Removes every meter this object registered. */
    void close() {
        meters.forEach(registry::remove);
        meters.clear();
    }

    private Counter counter(String name, String description, String... tags) {
        Counter c = Counter.builder(name).description(description).tags(tags).register(registry);
        meters.add(c);
        return c;
    }

    private <T> void gauge(String name, T obj, ToDoubleFunction<T> f) {
        meters.add(Gauge.builder(name, obj, f).strongReference(true).register(registry));
    }
}
