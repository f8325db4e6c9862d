package io.coldtier.e2e;

import io.coldtier.agent.AgentConfig;
import io.coldtier.agent.AgentService;
import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.EvictorConfig;
import io.coldtier.evictor.service.EvictorService;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.KernelTests;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.tierstore.service.TierStoreConfig;
import io.coldtier.tierstore.service.TierStoreService;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline in one JVM, every component real: a 32 MiB userfaultfd-registered guest with a
 * self-verifying workload → {@link AgentService} (scans, faults, PageOuts on Kafka) → {@link EvictorService}
 * ({@code idle-age:cycles=2}, EvictCommands back) → agent evicts, durable on {@code coldtier.pages} →
 * {@link TierStoreService} (RocksDB, PageStored acks, refault RPC) → refaults served with the exact contents.
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(300)
class PipelineEndToEndIT {
    static final int PAGES = 8192; // 32 MiB of 4 KiB pages
    static final int PARTITIONS = 3;
    static final Duration INTERVAL = Duration.ofMillis(400);
    /** Shared by the tests: each new instance resumes the previous one's offsets instead of re-reading them. */
    static final String TIER_GROUP = "e2e-tier-store";
    static final String EVICTOR_GROUP = "e2e-evictor";
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

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void guestWorkload_throughAgentKafkaEvictorAndTierStore_refaultsExactContentsFromRocksDb(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        try (Pipeline p = new Pipeline("vm-e2e-basic", dir)) {
            p.start();
            await("≥ 2000 evicted, ≥ 100 refaults, ≥ 1 over RPC", Duration.ofSeconds(60),
                    () -> p.evicted() >= 2000 && p.refaults() >= 100 && p.agent.tier().stats().fetchedFromRpc() > 0,
                    p);
            assertThat(p.agent.tier().stats().fetchedFromRpc()).as("refaults served by the tier-store RPC")
                    .isPositive();
            assertThat(p.tierStore.store().count()).as("pages in the tier-store's RocksDB").isPositive();
            assertThat(p.evictorCommands()).as("EvictCommands emitted by the evictor service").isPositive();
            p.finish();
            p.assertClean();
        }
    }

    @Test
    void tierStoreRestartedMidRun_andWithItsRocksDbDeleted_losesNothing(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        try (Pipeline p = new Pipeline("vm-e2e-tier-restart", dir)) {
            p.start();
            int port = p.tierStore.rpcPort();
            await("≥ 1000 evicted and RPC in use", Duration.ofSeconds(60),
                    () -> p.evicted() >= 1000 && p.agent.tier().stats().fetchedFromRpc() > 0, p);

            // 1. Outage with the RocksDB kept: evictions still ack on Kafka, pages stay in the in-flight buffer.
            p.stopTierStore();
            long evictedAtClose = p.evicted();
            long refaultsAtClose = p.refaults();
            long rpcAtClose = p.agent.tier().stats().fetchedFromRpc();
            Thread.sleep(4000);
            p.log("tier-store down 4 s");
            assertThat(p.agent.engine().faultLoop().failure()).as("fault loop failure while the tier-store was down")
                    .isNull();
            assertThat(p.agent.engine().faultLoop().alive()).as("fault loop alive").isTrue();
            assertThat(p.evicted()).as("evictions continue: Kafka acks, not the tier-store").isGreaterThan(evictedAtClose);
            assertThat(p.agent.tier().inFlight()).as("unacked pages kept in the agent").isPositive();
            // Refaults during the outage are not asserted: pages still in the in-flight buffer refault, but the
            // fault loop is one thread, and one fault on a page only the stopped store holds stalls it (retrying)
            // until the store is back. What must hold: nothing was "fetched" from a store that is down.
            assertThat(p.agent.tier().stats().fetchedFromRpc()).as("no page fetched from a stopped tier-store")
                    .isEqualTo(rpcAtClose);

            // Same directory, same port (the agent's RPC address is fixed in AgentConfig).
            p.startTierStore(port);
            assertThat(p.tierStore.rebuiltPages()).as("store kept: no rebuild").isZero();
            long rpcAfterRestart = p.agent.tier().stats().fetchedFromRpc();
            await("acks drain the in-flight buffer, RPC serves again, refaults resume", Duration.ofSeconds(30),
                    () -> p.agent.tier().stats().fetchedFromRpc() > rpcAfterRestart
                            && p.agent.tier().inFlight() < 500 && p.refaults() > refaultsAtClose, p);

            // 2. Outage, RocksDB deleted, restart: rebuilt from the compacted coldtier.pages.
            p.stopTierStore();
            Thread.sleep(2000);
            assertThat(p.agent.engine().faultLoop().failure()).as("fault loop failure, 2nd outage").isNull();
            deleteRecursively(p.tierDir);
            assertThat(p.tierDir).doesNotExist();
            p.startTierStore(port);
            p.log("tier-store rebuilt " + p.tierStore.rebuiltPages() + " pages");
            assertThat(p.tierStore.rebuiltPages()).as("pages rebuilt from coldtier.pages").isPositive();
            long evictedAfterRebuild = p.evicted();
            long rpcAfterRebuild = p.agent.tier().stats().fetchedFromRpc();
            await("evicting and refaulting over the rebuilt store", Duration.ofSeconds(40),
                    () -> p.evicted() >= evictedAfterRebuild + 500
                            && p.agent.tier().stats().fetchedFromRpc() > rpcAfterRebuild + 20, p);
            p.finish();
            p.assertClean();
        }
    }

    @Test
    void evictorRestartedMidRun_resumesWithoutLosingOrDuplicatingWork(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        try (Pipeline p = new Pipeline("vm-e2e-evictor-restart", dir)) {
            p.start();
            await("≥ 1500 evicted", Duration.ofSeconds(60), () -> p.evicted() >= 1500, p);
            double firstEmitted = p.evictorCommands();
            p.evictor.close();
            long evictedAtClose = p.evicted();
            long executedAtClose = p.agent.stats().commandsExecuted();
            Thread.sleep(3000);
            // Nothing commands the agent while the evictor is down (a command in flight may still land).
            assertThat(p.agent.stats().commandsExecuted()).isLessThanOrEqualTo(executedAtClose + 1);

            p.startEvictor();
            p.log("evictor restarted, rebuilt from " + p.evictor.rebuiltRecords() + " records");
            assertThat(p.evictor.rebuiltRecords()).as("state rebuilt from scans/faults below the committed offsets")
                    .isPositive();
            long evictedAtRestart = p.evicted();
            await("evictions resume after the restart", Duration.ofSeconds(30),
                    () -> p.evicted() >= evictedAtRestart + 1000 && p.evictorCommands() > 0, p);
            // Exact accounting: stop the evictor (no more commands), then every command for this VM on the topic,
            // over both evictor instances, must carry a distinct id and have been handled by the agent once.
            p.evictor.close();
            List<EvictCommand> cmds = commandsFor(p.vm);
            Set<String> ids = new HashSet<>();
            List<String> dups = new ArrayList<>();
            for (EvictCommand c : cmds) {
                if (!ids.add(c.getCommandId().toString())) {
                    dups.add(c.getCommandId().toString());
                }
            }
            await("agent handled every command on the topic", Duration.ofSeconds(20), () -> {
                var st = p.agent.stats();
                return st.commandsExecuted() + st.commandsFailed() + st.commandsIgnored() >= cmds.size();
            }, p);
            var st = p.agent.stats();
            System.out.printf("evictor restart: first instance emitted %.0f, second %.0f, commands on topic %d "
                            + "(distinct %d), agent %s, evicted at close %d, at restart %d, final %d%n",
                    firstEmitted, p.evictorCommands(), cmds.size(), ids.size(), st, evictedAtClose,
                    evictedAtRestart, p.evicted());
            assertThat(dups).as("command ids emitted twice across the restart").isEmpty();
            assertThat(st.commandsIgnored()).as("redelivered/duplicate commands").isZero();
            assertThat(st.commandsFailed()).as("failed commands").isZero();
            assertThat(st.commandsExecuted()).as("every command on the topic executed exactly once")
                    .isEqualTo(ids.size());
            p.finish();
            p.assertClean();
        }
    }

    // ------------------------------------------------------------------------------------------------ wiring

    /** One VM's pipeline: guest + workload + tier-store + evictor + agent, each a real service. */
    static final class Pipeline implements AutoCloseable {
        final String vm;
        final Path tierDir;
        final GuestMemory mem;
        final Workload workload;
        final SimpleMeterRegistry tierRegistry = new SimpleMeterRegistry();
        SimpleMeterRegistry evictorRegistry = new SimpleMeterRegistry();
        TierStoreService tierStore;
        EvictorService evictor;
        AgentService agent;
        boolean finished;
        boolean tierUp;

        Pipeline(String vm, Path dir) {
            this.vm = vm;
            this.tierDir = dir.resolve("rocksdb");
            this.mem = GuestMemory.create(List.of(RegionSpec.local(0, PAGES * 4096L, 4096)), Registration.ZAP);
            this.workload = Workload.start(new GuestPages(mem.region(0).hostAddress(), PAGES, 4096),
                    WorkloadSpec.defaults().withThreads(2).withHotFraction(0.1).withHotShare(0.98)
                            .withReadFraction(0.5).withThinkTimeNanos(100_000).withSeed(vm.hashCode()));
        }

        void start() {
            startTierStore(0);
            startEvictor();
            AgentConfig cfg = AgentConfig.of(vm, KafkaSettings.of(kafka.bootstrapServers(), "e2e-" + vm),
                    new InetSocketAddress(LOOPBACK, tierStore.rpcPort()), PARTITIONS).withInterval(INTERVAL);
            agent = new AgentService(mem, cfg).start();
        }

        void stopTierStore() {
            tierUp = false;
            tierStore.close();
        }

        void startTierStore(int port) {
            tierUp = true;
            tierStore = TierStoreService.start(TierStoreConfig.of(kafka.bootstrapServers(), tierDir,
                    new InetSocketAddress(LOOPBACK, port), PARTITIONS).withGroupId(TIER_GROUP), tierRegistry);
        }

        void startEvictor() {
            evictorRegistry = new SimpleMeterRegistry();
            evictor = EvictorService.start(new EvictorConfig(kafka.bootstrapServers(), EVICTOR_GROUP,
                    PolicyConfig.of("idle-age:cycles=2"), PARTITIONS), evictorRegistry);
        }

        long evicted() {
            return agent.engine().metrics().evictedPages.sum();
        }

        long refaults() {
            return agent.engine().metrics().refaults.sum();
        }

        double evictorCommands() {
            return evictor.metrics().total("commands.emitted");
        }

        void log(String what) {
            System.out.printf("[%s] %s: evicted %d, out now %d, refaults %d, agent %s, tier %s, workload ops %d errors %d%n",
                    vm, what, evicted(), mem.evictedPages(), refaults(), agent.stats(), agent.tier().stats(),
                    workload.stats().ops(), workload.stats().errors());
        }

        /** Stops the workload and closes the agent (which restores every evicted page). */
        void finish() {
            finished = true;
            log("finishing");
            var stop = workload.stop(Duration.ofSeconds(20));
            agent.close();
            assertThat(stop.stuckThreads()).as("workload threads stuck (a fault never resolved?)").isEmpty();
        }

        void assertClean() throws InterruptedException {
            assertThat(agent.engine().metrics().poisoned).as("poisoned pages").isEmpty();
            assertThat(agent.engine().faultLoop().failure()).as("fault loop failure").isNull();
            assertThat(mem.evictedPages()).as("agent close restored everything").isZero();
            assertThat(workload.stats().errors()).as("%s", workload.stats().firstErrors()).isZero();
            assertThat(verifyAll(workload)).as("%s", workload.verifyFailures()).isZero();
        }

        @Override
        public void close() {
            if (!finished) {
                try {
                    log("aborting");
                    workload.stop(Duration.ofSeconds(10));
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
            if (!tierUp && tierStore != null) {
                try {
                    startTierStore(tierStore.rpcPort()); // the agent's close restores pages over the RPC
                } catch (RuntimeException e) {
                    System.err.println("tier-store restart for cleanup failed: " + e);
                }
            }
            for (AutoCloseable c : new AutoCloseable[] {agent, evictor, tierStore}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception e) {
                    System.err.println("close failed: " + e);
                }
            }
            mem.close();
        }
    }

    /** Every EvictCommand on coldtier.evictions for {@code vm}, in topic order (group-less replay to the end). */
    static List<EvictCommand> commandsFor(String vm) {
        KafkaSettings s = KafkaSettings.of(kafka.bootstrapServers(), "e2e-check");
        try (ReactiveConsumer replay = ReactiveConsumer.replay(s, "e2e-evictions", List.of(Topics.EVICTIONS))) {
            List<ConsumedRecord> recs = replay.receive()
                    .filter(r -> r.key() != null && vm.equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .collectList().block(Duration.ofSeconds(30));
            List<EvictCommand> out = new ArrayList<>();
            for (ConsumedRecord r : recs == null ? List.<ConsumedRecord>of() : recs) {
                out.add(Codec.decode(r.value(), EvictCommand.class));
            }
            return out;
        }
    }

    static int verifyAll(Workload w) throws InterruptedException {
        int[] bad = {-1};
        Throwable[] err = new Throwable[1];
        // verifyAll reads guest pages: a platform thread (a virtual one could pin/hang on a fault).
        Thread t = Thread.ofPlatform().name("guest-verify").start(() -> {
            try {
                bad[0] = w.verifyAll();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        t.join(Duration.ofSeconds(60));
        if (t.isAlive()) {
            throw new AssertionError("verifyAll hung");
        }
        if (err[0] != null) {
            throw new AssertionError("verifyAll failed", err[0]);
        }
        return bad[0];
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Pipeline p)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                p.log("TIMEOUT waiting for " + what);
                throw new AssertionError(what + ": not within " + timeout);
            }
            Thread.sleep(100);
        }
        p.log(what);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
