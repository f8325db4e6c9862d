package io.coldtier.cli.ops;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Prometheus scrape endpoint ({@code GET /metrics}) and a liveness probe ({@code GET /health},
 * 200 while the service says it is healthy, 503 otherwise) on the JDK's built-in HTTP server:
 * scraped every few seconds at most, so no framework is warranted.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r ->
            Thread.ofPlatform().name("metrics-http").daemon(true).unstarted(r));
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public MetricsEndpoint(String bindHost, int port, BooleanSupplier healthy) throws IOException {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
        server = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
        server.createContext("/metrics", ex -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.createContext("/health", ex -> {
            boolean ok = healthy.getAsBoolean();
            byte[] body = (ok ? "ok\n" : "unhealthy\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ok ? 200 : 503, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            server.stop(0);
            executor.shutdownNow();
            gc.close();
            registry.close();
        }
    }
}
