package io.coldtier.e2e;

import io.coldtier.agent.AgentService;
import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.handover.Connection;
import io.coldtier.handover.Message;
import io.coldtier.handover.MessageCodec;
import io.coldtier.handover.Protocol;
import io.coldtier.handover.RejectCode;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Libc;
import io.coldtier.linux.Mapping;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.UffdOpenMode;
import io.coldtier.linux.UnixSocket;
import io.coldtier.linux.Userfaultfd;
import io.coldtier.linux.internal.Syscalls;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production shape end to end: a {@code coldtier vmm} process (its own JVM, {@link VmmMain}) owns 64 MiB of
 * guest memory in a memfd, hands its uffd and memfd over to the agent host (in this JVM) and runs the self-verifying
 * threads guest; the agent tracks it (arming through the VMM's zap capability), the evictor service
 * ({@code idle-age:cycles=1}) commands evictions, pages go durable through Kafka into the tier-store service and
 * refault from it. Meanwhile hostile hand-overs hit the same socket and are each refused with their reason. The
 * guest must finish with zero data errors and report its throughput; the agent must forget the VM once the VMM
 * exited.
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(120)
class HandOverIT {
    static final int PARTITIONS = 3;
    static final String VM = "vm-handover";
    /** The KVM test's VM: its own id, so nothing it left on the shared broker's topics meets the threads test. */
    static final String KVM_VM = "vm-handover-kvm";
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

    /** What the agent saw of the VM while it was attached (the session and its counters end with the VMM). */
    static final class Seen {
        final String vm;
        long evicted;
        long refaults;
        long rpcFetches;
        long vmmZaps;
        long outNow;

        Seen(String vm) {
            this.vm = vm;
        }

        void sample(AgentHost host) {
            host.agent(vm).ifPresent(a -> {
                evicted = Math.max(evicted, a.engine().metrics().evictedPages.sum());
                refaults = Math.max(refaults, a.engine().metrics().refaults.sum());
                rpcFetches = Math.max(rpcFetches, a.tier().stats().fetchedFromRpc());
            });
            host.memory(vm).ifPresent(m -> outNow = Math.max(outNow, m.evictedPages()));
            host.zapCounts(vm).ifPresent(z -> vmmZaps = Math.max(vmmZaps, z[0]));
        }

        @Override
        public String toString() {
            return "evicted " + evicted + ", max out at once " + outNow + ", refaults " + refaults + " (" + rpcFetches
                    + " over the tier-store RPC), VMM zaps " + vmmZaps;
        }
    }

    @Test
    void vmmProcess_handsOverItsMemory_agentEvictsAndRefaultsThroughKafkaAndTierStore_guestHasZeroErrors(
            @TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path sock = dir.resolve("agent.sock");
        try (TierStoreService tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(),
                dir.resolve("rocksdb"), new InetSocketAddress(LOOPBACK, 0), PARTITIONS).withGroupId("handover-it-tier"),
                registry);
             EvictorService evictor = EvictorService.start(new EvictorConfig(kafka.bootstrapServers(),
                     "handover-it-evictor", PolicyConfig.of("idle-age:cycles=1"), PARTITIONS), registry);
             AgentHost host = AgentHost.start(AgentHostConfig.of(sock, KafkaSettings.of(kafka.bootstrapServers(),
                     "handover-it"), new InetSocketAddress(LOOPBACK, tierStore.rpcPort()), PARTITIONS)
                     .withInterval(Duration.ofMillis(300)));
             ChildJvm vmm = ChildJvm.start("vmm", "256m", VmmMain.class, List.of("--agent-socket", sock.toString(),
                     "--vm-id", VM, "--guest", "threads", "--guest-size", "64m", "--duration", "16s", "--threads", "2",
                     "--zap", "on"))) {
            vmm.awaitLine(l -> l.contains("handed over to"), Duration.ofSeconds(30));
            Seen seen = new Seen(VM);
            await(Duration.ofSeconds(20), () -> {
                seen.sample(host);
                return seen.evicted > 0;
            }, "first evictions");

            hostileHandOversAreRefused_whileTheVmKeepsRunning(sock, dir, host);

            while (vmm.process.isAlive()) {
                seen.sample(host);
                Thread.sleep(200);
            }
            int code = vmm.awaitExit(Duration.ofSeconds(5));
            JsonNode report = VmmReport.parse(vmm.lastLine());
            System.out.printf("hand-over e2e: agent saw %s; VMM report %s%n", seen, report);
            assertThat(code).as("VMM exit code; report %s", report).isZero();
            assertThat(report.get("ok").booleanValue()).isTrue();
            assertThat(report.get("data_errors").longValue()).as("data errors seen by the guest").isZero();
            assertThat(report.get("verify_failures").longValue()).as("pages failing the final verification").isZero();
            assertThat(report.get("ops").longValue()).isPositive();
            assertThat(report.get("ops_per_s").doubleValue()).as("throughput reported").isPositive();
            assertThat(report.get("attachments").longValue()).isEqualTo(1);
            assertThat(report.get("zaps_served").longValue()).as("arming through the VMM").isPositive();
            assertThat(seen.evicted).as("pages evicted by the agent").isGreaterThanOrEqualTo(1000);
            assertThat(seen.refaults).as("refaults served").isGreaterThanOrEqualTo(50);
            assertThat(seen.vmmZaps).isPositive();
            assertThat(tierStore.store().count() + seen.rpcFetches).as("pages reached the tier-store").isPositive();
            assertThat(evictor.metrics().total("commands.emitted")).isPositive();
            await(Duration.ofSeconds(20), () -> host.attachedVms().isEmpty(), "agent forgets the VM after the VMM exited");
            assertThat(host.orphanedVms()).isEmpty();
            assertThat(host.handOverStats().accepted()).isEqualTo(1);
        }
    }

    /**
     * The same path with a real KVM guest: its vCPUs (64-bit CPL3 code, native on this host) touch the memfd through
     * KVM's shadow MMU, so every refault the agent resolves is a vCPU blocked inside KVM_RUN.
     */
    @Test
    void kvmGuest_handedOver_isEvictedAndRefaulted_withZeroGuestDataErrors(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        io.coldtier.vmm.kvm.KvmProbe probe = io.coldtier.vmm.kvm.KvmGuest.available();
        KernelTests.assumeKernel(probe.usable(), "KVM is unusable: " + probe.reason());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path sock = dir.resolve("agent.sock");
        try (TierStoreService tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(),
                dir.resolve("rocksdb"), new InetSocketAddress(LOOPBACK, 0), PARTITIONS).withGroupId("handover-kvm-tier"),
                registry);
             EvictorService evictor = EvictorService.start(new EvictorConfig(kafka.bootstrapServers(),
                     "handover-kvm-evictor", PolicyConfig.of("idle-age:cycles=1"), PARTITIONS), registry);
             AgentHost host = AgentHost.start(AgentHostConfig.of(sock, KafkaSettings.of(kafka.bootstrapServers(),
                     "handover-kvm"), new InetSocketAddress(LOOPBACK, tierStore.rpcPort()), PARTITIONS)
                     .withInterval(Duration.ofMillis(300)));
             ChildJvm vmm = ChildJvm.start("vmm-kvm", "256m", VmmMain.class, List.of("--agent-socket", sock.toString(),
                     "--vm-id", KVM_VM, "--guest", "kvm", "--guest-size", "64m", "--duration", "12s", "--threads", "1",
                     "--pattern", "hot-cold", "--zap", "on"))) {
            vmm.awaitLine(l -> l.contains("handed over to"), Duration.ofSeconds(30));
            Seen seen = new Seen(KVM_VM);
            while (vmm.process.isAlive()) {
                seen.sample(host);
                Thread.sleep(200);
            }
            int code = vmm.awaitExit(Duration.ofSeconds(5));
            JsonNode report = VmmReport.parse(vmm.lastLine());
            System.out.printf("hand-over e2e (kvm): agent saw %s; VMM report %s%n", seen, report);
            assertThat(code).as("VMM exit code; report %s", report).isZero();
            assertThat(report.get("data_errors").longValue()).as("data errors seen by the KVM guest").isZero();
            assertThat(report.get("verify_failures").longValue()).as("pages failing the final verification").isZero();
            assertThat(report.get("ops_per_s").doubleValue()).as("guest throughput reported").isPositive();
            assertThat(seen.evicted).as("pages evicted by the agent").isPositive();
            assertThat(seen.refaults).as("refaults served to the vCPU").isPositive();
            assertThat(evictor.metrics().total("commands.emitted")).isPositive();
        }
    }

    /** Bad hand-overs to the same agent while {@link #VM} is attached: each refused with its reason. */
    private static void hostileHandOversAreRefused_whileTheVmKeepsRunning(Path sock, Path dir, AgentHost host)
            throws Exception {
        long size = 4L << 20;
        try (Memfd memfd = Memfd.create("hostile", size);
             Mapping map = Mapping.shared(memfd.fd(), size, 0);
             Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
             OwnedFd eventfd = OwnedFd.adopt((int) Syscalls.check("eventfd2",
                     Syscalls.syscallRaw(290, 0, Libc.O_CLOEXEC, 0)), "eventfd")) {
            Message.RegionMapping region = new Message.RegionMapping(map.address(), size, 0, 0, 4096, 0);
            Message.Hello hello = new Message.Hello(Protocol.VERSION, "vm-hostile", List.of(region), false, Set.of());
            expectRejected(sock, "{\"type\":\"hello\"".getBytes(StandardCharsets.UTF_8), RejectCode.MALFORMED,
                    "not valid JSON", uffd.fd(), memfd.fd());
            expectRejected(sock, MessageCodec.encode(hello), RejectCode.FD_COUNT, "got 1 descriptor(s)", uffd.fd());
            expectRejected(sock, MessageCodec.encode(hello), RejectCode.NOT_USERFAULTFD, "anon_inode:[eventfd]",
                    eventfd.get(), memfd.fd());
            Message.Hello overlapping = new Message.Hello(Protocol.VERSION, "vm-hostile", List.of(
                    new Message.RegionMapping(map.address(), size, 0, 0, 4096, 0),
                    new Message.RegionMapping(map.address() + 4096, 4096, 0, 8192, 4096, 1L << 32)), false, Set.of());
            expectRejected(sock, MessageCodec.encode(overlapping), RejectCode.REGIONS_OVERLAP, "overlap in host address",
                    uffd.fd(), memfd.fd());
            Message.Hello sameVm = new Message.Hello(Protocol.VERSION, VM, List.of(region), false, Set.of());
            expectRejected(sock, MessageCodec.encode(sameVm), RejectCode.VM_BUSY, VM + " is already attached",
                    uffd.fd(), memfd.fd());
        }
        assertThat(host.attachedVms()).containsExactly(VM);
        assertThat(host.handOverStats().rejected()).isEqualTo(5);
    }

    private static void expectRejected(Path sock, byte[] body, RejectCode code, String reason, int... fds) {
        UnixSocket s = UnixSocket.connect(sock);
        s.send(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array(), fds);
        try (Connection c = Connection.of(s)) {
            Connection.Received r = c.receive(Duration.ofSeconds(15));
            assertThat(r).isInstanceOf(Connection.Got.class);
            try (Connection.Frame f = ((Connection.Got) r).frame()) {
                Message m = MessageCodec.decode(f.body());
                assertThat(m).isInstanceOf(Message.Rejected.class);
                Message.Rejected rej = (Message.Rejected) m;
                assertThat(rej.code()).as(rej.message()).isEqualTo(code.wire());
                assertThat(rej.message()).contains(reason);
            }
        }
    }

    static void await(Duration timeout, java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
