package io.coldtier.cli;

import io.coldtier.linux.KernelTests;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commands wired together: {@code coldtier agent --listen} (embedded broker, in this JVM) and
 * {@code coldtier vmm} as its own process (the CLI's {@link Main}), which hands its memory over, runs its guest
 * for a few seconds and reports, once with the threads guest and once with the KVM guest (where /dev/kvm is usable;
 * elsewhere {@code --guest kvm} fails cleanly before handing anything over).
 */
@Tag("kafka")
@Tag("kernel")
@Timeout(120)
class AgentListenCommandIT {
    @Test
    void agentListen_acceptsACliVmm_whichReportsZeroErrors(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        Path sock = dir.resolve("agent.sock");
        AgentCommand agent = new AgentCommand();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().name("agent-cmd").start(() -> exit.set(new CommandLine(agent).execute(
                "--embedded-broker", "--metrics-port", "0", "--listen", sock.toString(), "--interval", "300ms",
                "--log-level", "warn")));
        try {
            assertThat(agent.awaitStarted(Duration.ofSeconds(90))).as("started").isTrue();
            Path report = dir.resolve("report.json");
            List<String> out = runVmm("vmm", "--agent-socket", sock.toString(), "--vm-id", "vm-cli",
                    "--guest-size", "16m", "--duration", "3s", "--report", report.toString());
            assertThat(out.getLast()).contains("\"ok\":true").contains("\"data_errors\":0");
            assertThat(Files.readString(report)).contains("\"attachments\":1");

            List<String> kvm = runVmm("vmm", "--agent-socket", sock.toString(), "--vm-id", "vm-kvm", "--guest", "kvm",
                    "--guest-size", "16m", "--duration", "1s");
            boolean kvmUsable = io.coldtier.vmm.kvm.KvmGuest.available().usable();
            if (kvmUsable) {
                assertThat(kvm.getLast()).contains("\"ok\":true").contains("\"guest\":\"kvm\"")
                        .contains("\"data_errors\":0").contains("\"verify_failures\":0");
            } else {
                assertThat(kvm.getLast()).as("refused before anything is handed over").contains("\"ok\":false")
                        .contains("\"attachments\":0");
            }

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + agent.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("coldtier_agent_handovers_accepted_total " + (kvmUsable ? 2 : 1) + ".0")
                    .contains("coldtier_agent_vms_attached");
        } finally {
            agent.stop();
        }
        t.join(Duration.ofSeconds(30));
        assertThat(exit.get()).isZero();
        assertThat(sock).as("socket removed at stop").doesNotExist();
    }

    /** {@code coldtier <args>} in a child JVM with this test's classpath; returns its output lines. */
    private static List<String> runVmm(String... args) throws Exception {
        String java = System.getenv().getOrDefault("COLDTIER_JAVA",
                ProcessHandle.current().info().command().orElse("java"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                System.out.println("[vmm] " + line);
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return lines;
    }
}
