package io.coldtier.agent;

import io.coldtier.bus.EmbeddedKafka;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.PageState;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Libc;
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
import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent end to end on a real kernel and an in-process KRaft broker: scans out, commands in, pages durable on
 * Kafka before they are punched, refaults served from the in-flight buffer or the tier-store RPC.
 */
@Tag("kafka")
@Tag("kernel")
@Timeout(240)
class AgentPipelineIT {
    static final int PAGES = 8192; // 32 MiB
    static final int PARTITIONS = 3;
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

    static KafkaSettings settings() {
        // Short timeouts so the outage test fails a store within seconds.
        return KafkaSettings.of(kafka.bootstrapServers(), "agent-it")
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    /** Hot tenth, think time so cold pages stay idle across intervals; the hot set moves every 2 s. */
    static WorkloadSpec spec() {
        return WorkloadSpec.defaults().withThreads(2).withHotFraction(0.1).withHotShare(0.98).withReadFraction(0.5)
                .withThinkTimeNanos(100_000).withPhaseChangeAfter(Duration.ofSeconds(2)).withSeed(7);
    }

    static GuestMemory memory() {
        return GuestMemory.create(List.of(RegionSpec.local(0, PAGES * 4096L, 4096)), Registration.ZAP);
    }

    @Test
    void evictCommands_evictDurably_refaultsAreServed_andEveryPageVerifiesAfterClose(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        String vm = "vm-pipeline";
        try (GuestMemory mem = memory();
             TierStoreStandIn tierStore = new TierStoreStandIn(dir, settings(), "standin-" + vm);
             TestEvictor evictor = new TestEvictor(settings(), vm, PAGES)) {
            GuestRegion r = mem.region(0);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), PAGES, 4096), spec());
            AgentService agent = new AgentService(mem, AgentConfig.of(vm, settings(), tierStore.address(), PARTITIONS)
                    .withInterval(Duration.ofMillis(200)));
            long evicted;
            try {
                agent.start();
                long minRun = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                await(Duration.ofSeconds(60), () -> System.nanoTime() > minRun
                        && agent.engine().metrics().evictedPages.sum() >= 2000 && evictor.refaultEvents.get() >= 20
                        && agent.tier().stats().fetchedFromRpc() > 0);
                evicted = agent.engine().metrics().evictedPages.sum();
            } finally {
                assertThat(w.stop(Duration.ofSeconds(20)).stuckThreads()).isEmpty();
                agent.close();
            }
            System.out.printf("pipeline: evicted %d, refault events %d, scans %d, commands %d, agent %s, tier %s, "
                            + "stand-in stored %d, workload %s%n", evicted, evictor.refaultEvents.get(),
                    evictor.scansSeen.get(), evictor.commandsSent.get(), agent.stats(), agent.tier().stats(),
                    tierStore.stored.get(), w.stats());
            assertThat(evicted).as("pages evicted on the evictor's commands").isGreaterThanOrEqualTo(2000);
            assertThat(evictor.refaultEvents.get()).as("REFAULT FaultEvents on coldtier.faults").isPositive();
            assertThat(agent.engine().metrics().refaults.sum()).isPositive();
            assertThat(agent.engine().metrics().poisoned).isEmpty();
            assertThat(agent.stats().commandsExecuted()).isPositive();
            assertThat(mem.evictedPages()).as("close restored everything").isZero();
            assertThat(w.stats().errors()).as("%s", w.stats().firstErrors()).isZero();
            assertThat(verifyAll(w)).as("%s", w.verifyFailures()).isZero();
        }
    }

    @Test
    void brokerOutage_failsTheStore_punchesNothing_andStoredPagesStillRefaultOverRpc(@TempDir Path dir)
            throws Exception {
        KernelTests.assumeUserfaultfd();
        String vm = "vm-outage";
        try (GuestMemory mem = memory();
             TierStoreStandIn tierStore = new TierStoreStandIn(dir, settings(), "standin-" + vm);
             TestEvictor evictor = new TestEvictor(settings(), vm, PAGES)) {
            GuestRegion r = mem.region(0);
            Workload w = Workload.start(new GuestPages(r.hostAddress(), PAGES, 4096), spec());
            AgentService agent = new AgentService(mem, AgentConfig.of(vm, settings(), tierStore.address(), PARTITIONS)
                    .withInterval(Duration.ofMillis(200)));
            try {
                agent.start();
                await(Duration.ofSeconds(60), () -> mem.evictedPages() >= 500);
                evictor.enabled.set(false);
                // Every stored page acked by the tier-store: refaults must now come over the RPC. Pinned pages (a
                // version re-stored after a cancelled punch) stay in the buffer by design; a few are normal under load.
                await(Duration.ofSeconds(30), () -> agent.tier().inFlight() == agent.tier().pinned(),
                        () -> "in flight " + agent.tier().inFlight() + ", pinned " + agent.tier().pinned() + ", "
                                + agent.tier().stats());
                RoaringBitmap out = pagesIn(r, PageState.EVICTED);
                long evictedBefore = agent.engine().metrics().evictedPages.sum();
                long outBefore = mem.evictedPages();
                long rpcBefore = agent.tier().stats().fetchedFromRpc();

                kafka.stop();
                RoaringBitmap resident = pagesIn(r, PageState.RESIDENT);
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> agent.engine().evict(0, resident))
                        .as("no acks=all ack while the broker is down").isInstanceOf(RuntimeException.class);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(took).as("fails within about the delivery timeout").isLessThan(Duration.ofSeconds(15));
                assertThat(agent.engine().metrics().evictedPages.sum()).as("nothing punched").isEqualTo(evictedBefore);
                assertThat(mem.evictedPages()).isLessThanOrEqualTo(outBefore);

                // Pages stored before the outage come back from the tier-store over the RPC, broker or not.
                int[] touched = out.limit(50).toArray();
                touch(w.pages(), touched);
                for (int p : touched) {
                    assertThat(r.states().get(p)).isEqualTo(PageState.RESIDENT);
                }
                assertThat(agent.tier().stats().fetchedFromRpc()).isGreaterThan(rpcBefore);
                System.out.printf("outage: store failed after %d ms, %d pages out before, tier %s%n",
                        took.toMillis(), outBefore, agent.tier().stats());
            } finally {
                kafka.restart();
                assertThat(w.stop(Duration.ofSeconds(20)).stuckThreads()).isEmpty();
                agent.close();
            }
            assertThat(agent.engine().metrics().poisoned).isEmpty();
            assertThat(mem.evictedPages()).isZero();
            assertThat(w.stats().errors()).as("%s", w.stats().firstErrors()).isZero();
            assertThat(verifyAll(w)).as("%s", w.verifyFailures()).isZero();
        }
    }

    static RoaringBitmap pagesIn(GuestRegion r, PageState s) {
        RoaringBitmap b = new RoaringBitmap();
        for (int p = 0; p < r.pages(); p++) {
            if (r.states().get(p) == s) {
                b.add(p);
            }
        }
        return b;
    }

    /** Reads the first bytes of each page through native memcpy on a platform thread (safepoint rule). */
    static void touch(GuestPages pages, int[] which) throws InterruptedException {
        onPlatformThread(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment scratch = a.allocate(64);
                for (int p : which) {
                    Libc.memcpy(scratch.address(), pages.address(p), 64);
                }
            }
        });
    }

    static int verifyAll(Workload w) throws InterruptedException {
        int[] bad = {-1};
        onPlatformThread(() -> bad[0] = w.verifyAll());
        return bad[0];
    }

    static void onPlatformThread(Runnable r) throws InterruptedException {
        Throwable[] err = new Throwable[1];
        Thread t = Thread.ofPlatform().name("guest-access").start(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        t.join(Duration.ofSeconds(60));
        if (t.isAlive()) {
            throw new AssertionError("guest access thread hung");
        }
        if (err[0] != null) {
            throw new AssertionError("guest access failed", err[0]);
        }
    }

    static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(timeout, condition, () -> "");
    }

    /** Like {@link #await(Duration, BooleanSupplier)}; the failure message ends with {@code state}. */
    static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout + " " + state.get());
            }
            Thread.sleep(100);
        }
    }
}
