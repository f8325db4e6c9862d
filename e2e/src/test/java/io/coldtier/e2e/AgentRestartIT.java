package io.coldtier.e2e;

import io.coldtier.agent.host.AgentHostMain;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.linux.KernelTests;
import io.coldtier.schemas.Topics;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.coldtier.vmm.VmmMain;
import io.coldtier.vmm.VmmReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent host is killed with SIGKILL while pages of a running VM are evicted: no restore, no goodbye, fault
 * messages it had read are lost with it. The VMM (its own JVM) keeps its uffd open, its guest stalls on refaults,
 * and it re-sends the hand-over until a new agent host accepts it; that agent recovers the evicted-page map from
 * {@code coldtier.pages} and the memfd's holes, releases the threads the dead agent left waiting, and the guest
 * finishes with zero data errors. Arming here is the remote {@code process_madvise(MADV_PAGEOUT)} path
 * ({@code --zap off}).
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(150)
class AgentRestartIT {
    static final int PARTITIONS = 3;
    static final String VM = "vm-restart";
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
        try (TopicAdmin admin = new TopicAdmin(KafkaSettings.of(kafka.bootstrapServers()))) {
            admin.ensureTopics(Topics.newTopics(PARTITIONS, (short) 1));
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    static ChildJvm agent(String name, Path sock, TierStoreService tierStore) {
        return ChildJvm.start(name, "384m", AgentHostMain.class, List.of("--listen", sock.toString(),
                "--bootstrap-servers", kafka.bootstrapServers(), "--tier-store",
                LOOPBACK.getHostAddress() + ":" + tierStore.rpcPort(), "--partitions", String.valueOf(PARTITIONS),
                "--interval", "300ms", "--agent-id", name));
    }

    @Test
    void agentKilledWhilePagesAreEvicted_vmmReSendsTheHandOver_newAgentRecovers_guestHasZeroErrors(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path sock = dir.resolve("agent.sock");
        try (TierStoreService tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(),
                dir.resolve("rocksdb"), new InetSocketAddress(LOOPBACK, 0), PARTITIONS).withGroupId("restart-it-tier"),
                registry);
             EvictorService evictor = EvictorService.start(new EvictorConfig(kafka.bootstrapServers(),
                     "restart-it-evictor", PolicyConfig.of("idle-age:cycles=1"), PARTITIONS), registry);
             ChildJvm first = agent("agent-1", sock, tierStore)) {
            first.awaitLine(l -> l.contains("agent host listening"), Duration.ofSeconds(30));
            try (ChildJvm vmm = ChildJvm.start("vmm", "256m", VmmMain.class, List.of("--agent-socket", sock.toString(),
                    "--vm-id", VM, "--guest", "threads", "--guest-size", "64m", "--duration", "20s", "--threads", "2",
                    "--zap", "off", "--max-backoff", "500ms"))) {
                vmm.awaitLine(l -> l.contains("handed over to agent-1"), Duration.ofSeconds(30));
                HandOverIT.await(Duration.ofSeconds(30), () -> tierStore.store().count() >= 2000,
                        "2000 pages stored in the tier-store");
                first.kill();
                long killedAt = System.nanoTime();
                System.out.printf("agent-1 SIGKILLed with %d pages in the tier-store%n", tierStore.store().count());
                vmm.awaitLine(l -> l.contains("agent connection lost"), Duration.ofSeconds(10));
                Thread.sleep(1500); // the guest runs (and stalls on evicted pages) without any agent
                assertThat(vmm.process.isAlive()).as("the VMM survives its agent").isTrue();

                try (ChildJvm second = agent("agent-2", sock, tierStore)) {
                    String attach = vmm.awaitLine(l -> l.contains("handed over to agent-2"), Duration.ofSeconds(45));
                    System.out.printf("re-attached %.1f s after the kill: %s%n", (System.nanoTime() - killedAt) / 1e9,
                            attach);
                    int code = vmm.awaitExit(Duration.ofSeconds(90));
                    JsonNode report = VmmReport.parse(vmm.lastLine());
                    System.out.println("restart e2e: VMM report " + report);
                    assertThat(code).as("VMM exit code; report %s", report).isZero();
                    assertThat(report.get("data_errors").longValue()).as("data errors seen by the guest").isZero();
                    assertThat(report.get("verify_failures").longValue()).as("final verification").isZero();
                    assertThat(report.get("stuck_threads").isEmpty()).as("vCPUs stuck on a fault nobody answered").isTrue();
                    assertThat(report.get("attachments").longValue()).as("hand-overs accepted").isEqualTo(2);
                    assertThat(report.get("agent_disconnects").longValue()).isEqualTo(1);
                    assertThat(report.get("recovered_pages").longValue())
                            .as("pages the new agent found evicted by the dead one").isPositive();
                    assertThat(report.get("ops_per_s").doubleValue()).isPositive();
                    second.awaitLine(l -> l.contains("exited: forgot the VM"), Duration.ofSeconds(30));
                }
            }
            assertThat(evictor.metrics().total("commands.emitted")).isPositive();
        }
    }
}
