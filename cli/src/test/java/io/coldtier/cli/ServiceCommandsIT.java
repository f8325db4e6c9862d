package io.coldtier.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code coldtier tier-store --embedded-broker}: comes up, serves /metrics and /health, stops cleanly. */
@Tag("kafka")
@Timeout(120)
class ServiceCommandsIT {
    @Test
    void tierStore_embeddedBroker_servesMetricsAndHealth_andStopsCleanly(@TempDir Path dir) throws Exception {
        TierStoreCommand cmd = new TierStoreCommand();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().name("tier-store-cmd").start(() -> exit.set(new CommandLine(cmd).execute(
                "--embedded-broker", "--metrics-port", "0", "--rpc-port", "0",
                "--data-dir", dir.resolve("store").toString(), "--log-level", "warn")));
        try {
            assertThat(cmd.awaitStarted(Duration.ofSeconds(90))).as("started").isTrue();
            assertThat(cmd.rpcPort()).isPositive();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + cmd.metricsPort();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("coldtier_tierstore_pages_stored_total").contains("jvm_memory_used_bytes");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            cmd.stop();
            cmd.stop(); // idempotent
        }
        t.join(Duration.ofSeconds(30));
        assertThat(t.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
        assertThat(cmd.healthy()).isFalse();
    }
}
