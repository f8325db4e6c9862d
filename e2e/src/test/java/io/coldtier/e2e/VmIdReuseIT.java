package io.coldtier.e2e;

import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A VM id reused after a clean VMM exit (a VM reboot): the first VMM runs, is evicted and refaulted, exits; the agent
 * host forgets the VM. Then, on the same broker, a new tier-store, evictor and agent host serve a new VMM with the
 * same VM id. The new guest must run on without stalling and with zero data errors: nothing the first incarnation
 * left on the topics (uncommitted EvictCommands, PageStored acks, page copies) may act on the second.
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(240)
class VmIdReuseIT {
    static final int PARTITIONS = 3;
    static final String VM = "vm-reused";
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Pattern PROGRESS = Pattern.compile("t=([0-9.]+)s ops=(\\d+) \\(\\+(\\d+)\\)");
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

    @Test
    void vmIdReusedAfterACleanExit_newIncarnationRunsWithoutStallOrErrors(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        String first = System.getProperty("reuse.first", "kvm");
        if (first.equals("kvm")) {
            io.coldtier.vmm.kvm.KvmProbe probe = io.coldtier.vmm.kvm.KvmGuest.available();
            if (!probe.usable()) {
                first = "threads";
            }
        }
        runIncarnation(dir.resolve("a"), "a", first, "10s", true);
        runIncarnation(dir.resolve("b"), "b", "threads", "12s", false);
    }

    private static void runIncarnation(Path dir, String tag, String guest, String duration, boolean firstOne)
            throws Exception {
        java.nio.file.Files.createDirectories(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path sock = dir.resolve("agent.sock");
        List<String> args = new ArrayList<>(List.of("--agent-socket", sock.toString(), "--vm-id", VM, "--guest", guest,
                "--guest-size", "64m", "--duration", duration, "--zap", "on"));
        if (guest.equals("kvm")) {
            args.addAll(List.of("--threads", "1", "--pattern", "hot-cold"));
        } else {
            args.addAll(List.of("--threads", "2"));
        }
        try (TierStoreService tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(),
                dir.resolve("rocksdb"), new InetSocketAddress(LOOPBACK, 0), PARTITIONS).withGroupId("reuse-tier-" + tag),
                registry);
             EvictorService evictor = EvictorService.start(new EvictorConfig(kafka.bootstrapServers(),
                     "reuse-evictor-" + tag, PolicyConfig.of("idle-age:cycles=1"), PARTITIONS), registry);
             AgentHost host = AgentHost.start(AgentHostConfig.of(sock, KafkaSettings.of(kafka.bootstrapServers(),
                     "reuse-" + tag), new InetSocketAddress(LOOPBACK, tierStore.rpcPort()), PARTITIONS)
                     .withInterval(Duration.ofMillis(300)));
             ChildJvm vmm = ChildJvm.start("vmm-" + tag, "256m", VmmMain.class, args)) {
            vmm.awaitLine(l -> l.contains("handed over to"), Duration.ofSeconds(30));
            HandOverIT.Seen seen = new HandOverIT.Seen(VM);
            int stalledSeconds = 0;
            int lastSeen = 0;
            long wakes = 0;
            long poisoned = 0;
            String agentStats = "-";
            while (vmm.process.isAlive()) {
                seen.sample(host);
                var agent = host.agent(VM);
                if (agent.isPresent()) {
                    wakes = Math.max(wakes, agent.get().engine().metrics().wakes.sum());
                    poisoned = Math.max(poisoned, agent.get().engine().metrics().poisoned.size());
                    agentStats = agent.get().stats() + " " + agent.get().tier().stats();
                }
                List<String> lines = vmm.lines;
                for (int i = lastSeen; i < lines.size(); i++) {
                    Matcher m = PROGRESS.matcher(lines.get(i));
                    if (m.find()) {
                        stalledSeconds = Long.parseLong(m.group(3)) == 0 ? stalledSeconds + 1 : 0;
                    }
                }
                lastSeen = lines.size();
                if (stalledSeconds >= 4 && guest.equals("threads")) {
                    String diag = "incarnation " + tag + " stalled: agent saw " + seen + ", fault-loop wakes " + wakes
                            + ", agent " + host.agent(VM).map(a -> a.stats() + " " + a.tier().stats()).orElse("-")
                            + ", recovered " + host.recoveredPages(VM).orElse(-1L);
                    System.out.println(diag);
                    vmm.kill();
                    throw new AssertionError(diag);
                }
                Thread.sleep(200);
            }
            int code = vmm.awaitExit(Duration.ofSeconds(5));
            JsonNode report = VmmReport.parse(vmm.lastLine());
            System.out.printf("vm id reuse, incarnation %s (%s): agent saw %s, fault-loop wakes %d, poisoned %d, agent %s;"
                    + " VMM report %s%n", tag, guest, seen, wakes, poisoned, agentStats, report);
            assertThat(code).as("VMM exit code; report %s", report).isZero();
            assertThat(report.get("data_errors").longValue()).as("data errors seen by the guest").isZero();
            assertThat(report.get("verify_failures").longValue()).as("pages failing the final verification").isZero();
            assertThat(seen.evicted).as("pages evicted by the agent").isPositive();
            assertThat(poisoned).as("pages poisoned (a copy missing or not this incarnation's)").isZero();
            HandOverIT.await(Duration.ofSeconds(30), () -> host.attachedVms().isEmpty(),
                    "agent forgets the VM after the VMM exited");
        }
    }
}
