package io.coldtier.agent;

import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.handover.HandOverClient;
import io.coldtier.handover.Message;
import io.coldtier.handover.Protocol;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.Userfaultfd;
import io.coldtier.schemas.Topics;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent host with a "VMM" in this JVM (a memfd mapping, its uffd, a workload on it): the two ways a live VMM
 * leaves, a goodbye "detach" and a dropped connection, each end with every evicted page restored and the region
 * unregistered, so the VMM runs on unmanaged without losing a byte; in between, the same VM is handed over again
 * and the host finds the copies its first session left on the topic.
 */
@Tag("kafka")
@Tag("kernel")
@Timeout(120)
class AgentHostIT {
    static final int PAGES = 8192; // 32 MiB
    static final long SIZE = PAGES * 4096L;
    static final int PARTITIONS = 3;
    static final String VM = "vm-host";
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
    void liveVmmLeaving_byGoodbyeOrByDroppingTheConnection_getsEveryPageBack_andRunsOnUnmanaged(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        KafkaSettings kafkaSettings = KafkaSettings.of(kafka.bootstrapServers(), "host-it");
        try (Memfd memfd = Memfd.create("host-it", SIZE);
             Mapping map = Mapping.shared(memfd.fd(), SIZE, 0);
             Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
             TierStoreStandIn tierStore = new TierStoreStandIn(dir, kafkaSettings, "standin-" + VM);
             TestEvictor evictor = new TestEvictor(kafkaSettings, VM, PAGES);
             AgentHost host = AgentHost.start(AgentHostConfig.of(dir.resolve("agent.sock"), kafkaSettings,
                     tierStore.address(), PARTITIONS).withInterval(Duration.ofMillis(200)))) {
            uffd.register(map.address(), SIZE, Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
            Message.Hello hello = new Message.Hello(Protocol.VERSION, VM, List.of(new Message.RegionMapping(
                    map.address(), SIZE, 0, 0, 4096, 0)), true, Set.of(Protocol.CAP_ZAP));
            HandOverClient.ZapHandler zap = ranges -> ranges.forEach(
                    r -> Madvise.madvise(r.start(), r.len(), Madvise.MADV_DONTNEED));
            Workload w = Workload.start(new GuestPages(map.address(), PAGES, 4096), WorkloadSpec.defaults()
                    .withThreads(2).withHotFraction(0.1).withHotShare(0.98).withThinkTimeNanos(100_000).withSeed(11));
            try {
                // 1. Attach, evict, goodbye "detach".
                HandOverClient first = HandOverClient.connect(dir.resolve("agent.sock"), hello, uffd.fd(),
                        new int[] {memfd.fd()}, Duration.ofSeconds(30), zap);
                await(() -> host.memory(VM).map(m -> m.evictedPages() >= 500).orElse(false), "500 pages out");
                long out = host.memory(VM).orElseThrow().evictedPages();
                long restored = first.goodbye(Protocol.GOODBYE_DETACH, Duration.ofSeconds(60));
                System.out.printf("detach: %d pages out shortly before, %d restored%n", out, restored);
                assertThat(restored).as("pages brought back by the detach").isPositive();
                await(() -> host.attachedVms().isEmpty(), "session ended");
                assertThat(registration(map.address())).as("VmFlags after the detach").doesNotContain("um", "uw");
                runUnmanaged(w);

                // 2. The same VM again: the host finds the first session's copies. The guest's pages are all back;
                // what recovery may count as evicted are never-written pages (holes) whose zero copy was stored by an
                // eviction the detach interrupted: restoring them as zero pages changes nothing.
                uffd.register(map.address(), SIZE, Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
                HandOverClient second = HandOverClient.connect(dir.resolve("agent.sock"), hello, uffd.fd(),
                        new int[] {memfd.fd()}, Duration.ofSeconds(30), zap);
                System.out.printf("re-attach after the detach: %d pages recovered as evicted%n",
                        second.accepted().recoveredPages());
                await(() -> host.memory(VM).map(m -> m.evictedPages() >= 500).orElse(false), "500 pages out again");

                // 3. The connection drops without goodbye while the VMM lives: after the exit grace, same outcome.
                second.close();
                await(() -> host.attachedVms().isEmpty(), "session ended after the connection dropped");
                assertThat(host.orphanedVms()).isEmpty();
                assertThat(registration(map.address())).as("VmFlags after the drop").doesNotContain("um", "uw");
                runUnmanaged(w);
                assertThat(host.handOverStats().accepted()).isEqualTo(2);
            } finally {
                Workload.StopResult stop = w.stop(Duration.ofSeconds(20));
                assertThat(stop.stuckThreads()).as("vCPUs stuck on a fault").isEmpty();
            }
            assertThat(w.stats().errors()).as("%s", w.stats().firstErrors()).isZero();
            assertThat(AgentPipelineIT.verifyAll(w)).as("%s", w.verifyFailures()).isZero();
            assertThat(evictor.commandsSent.get()).isPositive();
        }
    }

    /** The workload keeps going with nobody answering faults: any page left evicted or registered would hang it. */
    private static void runUnmanaged(Workload w) throws InterruptedException {
        long before = w.stats().ops();
        Thread.sleep(1500);
        assertThat(w.stats().ops()).as("the guest runs on without the agent").isGreaterThan(before + 100);
        assertThat(w.stats().errors()).as("%s", w.stats().firstErrors()).isZero();
    }

    /** The VmFlags of the VMA at {@code address} in this process. */
    private static String registration(long address) throws Exception {
        String smaps = Files.readString(Path.of("/proc/self/smaps"));
        String head = String.format("%x-", address);
        int at = smaps.indexOf("\n" + head);
        int flags = smaps.indexOf("VmFlags:", at);
        return smaps.substring(flags, smaps.indexOf('\n', flags));
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 45 s");
            }
            Thread.sleep(50);
        }
    }
}
