package io.coldtier.agent;

import io.coldtier.bus.ConsumedRecord;
import io.coldtier.bus.ReactiveConsumer;
import io.coldtier.bus.ReactiveProducer;
import io.coldtier.faultsource.EvictionReport;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.scanner.CycleReport;
import io.coldtier.scanner.Tracker;
import io.coldtier.scanner.TrackingEngine;
import io.coldtier.scanner.ZapTracker;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.Codec;
import io.coldtier.schemas.SchemaException;
import io.coldtier.schemas.Topics;
import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import io.coldtier.schemas.avro.VmState;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.roaringbitmap.RoaringBitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One VM's agent: the tracking engine (zap backend, no local eviction) over {@link KafkaPageTier}, publishing
 * {@code VmRegistration}, one {@code ScanResult} per region per cycle and {@code FaultEvent}s, and executing the
 * evictor's {@code EvictCommand}s.
 *
 * <p>Threads: the engine's cycle and fault-loop threads; {@code fault-publisher-<vmId>}; the command consumer's
 * thread, which hands each command to {@code agent-evict-<vmId>} (an eviction waits for Kafka acks, up to the
 * delivery timeout, which must not stall the consumer's polling). A command is acked after its eviction returned,
 * whatever it evicted, cancelled or failed: replaying it would change nothing the next ScanResult does not redo.
 *
 * <p>It does not own the memory; {@link #close()} restores every evicted page before returning, so the caller may
 * close the memory afterwards.
 */
public final class AgentService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentService.class);
    /** Command ids remembered for de-duplication (a redelivered command is acked and ignored). */
    private static final int SEEN_COMMANDS = 4096;

    /** Counters for reports and tests. */
    public record Stats(long commandsExecuted, long commandsFailed, long commandsIgnored, long pagesEvicted,
                        long scansPublished, long faultEventsSent, long faultEventsDropped) {}

    /**
     * What an agent attaching to handed-over memory adds to the plain wiring.
     *
     * @param cycleBase added to the engine's cycle numbers on every record, so the numbers keep increasing across
     *                  agent restarts (the evictor ignores a ScanResult whose cycle is not newer than the last)
     * @param tracker   the tracking backend for the memory (the zap backend by default)
     * @param recovered compressed copies a previous agent made durable on {@code coldtier.pages} that the
     *                  tier-store does not (yet) serve; held in the tier's in-flight buffer (see KafkaPageTier)
     * @param stored    pages (per region index) that already have copies on {@code coldtier.pages}: tombstoned with
     *                  the tier's own when the VM is gone ({@link #close(boolean)})
     */
    public record Options(long cycleBase, Function<GuestMemory, Tracker> tracker, Map<PageKey, RecoveredPage> recovered,
                          Map<Integer, RoaringBitmap> stored) {
        public Options {
            Objects.requireNonNull(tracker, "tracker");
            recovered = Map.copyOf(recovered);
            stored = Map.copyOf(stored);
        }

        /** Cycles from 0, the zap backend, nothing recovered. */
        public static Options defaults() {
            return new Options(0, ZapTracker::new, Map.of(), Map.of());
        }
    }

    private final GuestMemory memory;
    private final AgentConfig config;
    private final byte[] key;
    private final KafkaPageTier tier;
    private final Tracker tracker;
    private final long cycleBase;
    private final TrackingEngine engine;
    private final ReactiveProducer events;
    private final FaultPublisher faults;
    private final ExecutorService evictThread;
    private final Scheduler evictScheduler;
    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > SEEN_COMMANDS;
        }
    };
    private final LongAdder executed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder scans = new LongAdder();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private ReactiveConsumer commands;
    private Disposable commandSubscription;

    /** Wires everything; nothing runs and nothing is published until {@link #start()}. */
    public AgentService(GuestMemory memory, AgentConfig config) {
        this(memory, config, Options.defaults());
    }

    /**
     * Wires everything with {@code options}. The fault loop starts here (faults must be answered from the first
     * instant), so the memory's page states and the recovered copies must be complete before this is called.
     */
    public AgentService(GuestMemory memory, AgentConfig config, Options options) {
        this.memory = memory;
        this.config = config;
        this.cycleBase = options.cycleBase();
        this.key = config.vmId().getBytes(StandardCharsets.UTF_8);
        long[] pageSizes = memory.regions().stream().mapToLong(GuestRegion::pageSize).toArray();
        TrackingEngine[] self = new TrackingEngine[1];
        this.tier = new KafkaPageTier(config.vmId(), config.partitions(), pageSizes, config.kafka(),
                config.tierStore(), () -> cycleBase + (self[0] == null ? 0 : self[0].cycles()));
        tier.adoptRecovered(options.recovered());
        tier.markStored(options.stored());
        this.tracker = options.tracker().apply(memory);
        // evict=false: the evictor service decides; the local policy is never consulted.
        this.engine = new TrackingEngine(memory, tier, tracker, (scan, evictable) -> new RoaringBitmap(),
                TrackingEngine.Config.defaults().withInterval(config.interval()).withEvict(false),
                Clock.systemUTC(), config.vmId());
        self[0] = engine;
        this.events = ReactiveProducer.create(config.kafka(), "agent-events-" + config.vmId());
        this.faults = new FaultPublisher(config.vmId(), events, () -> cycleBase + engine.cycles(),
                config.faultQueueCapacity());
        engine.faultLoop().listener(faults);
        engine.onCycle(this::publishScan);
        this.evictThread = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().name("agent-evict-" + config.vmId()).daemon(true).unstarted(r));
        this.evictScheduler = Schedulers.fromExecutorService(evictThread);
    }

    /**
     * Publishes the VmRegistration (waiting for its ack), starts the detection cycle and the command consumer.
     *
     * @throws IllegalStateException if the registration cannot be published within the delivery timeout
     */
    public synchronized AgentService start() {
        if (!started.compareAndSet(false, true)) {
            return this;
        }
        events.send(new ProducerRecord<>(Topics.VMS, key, Codec.encode(registration())))
                .block(config.kafka().deliveryTimeout().plusSeconds(5));
        engine.start(config.vmId());
        commands = ReactiveConsumer.subscribe(config.kafka(), "agent-commands-" + config.vmId(),
                "coldtier-agent-" + config.vmId(), List.of(Topics.EVICTIONS));
        commandSubscription = commands.receive().publishOn(evictScheduler, 16).subscribe(this::execute,
                e -> LOG.error("command consumer of {} failed; no more evictions", config.vmId(), e));
        return this;
    }

    private VmRegistration registration() {
        return registration(VmState.ACTIVE);
    }

    private VmRegistration registration(VmState state) {
        List<RegionInfo> regions = memory.regions().stream().map(r -> RegionInfo.newBuilder().setIndex(r.index())
                .setGuestPhysBase(r.spec().guestPhysBase()).setSize(r.size()).setPageSize((int) r.pageSize())
                .build()).toList();
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        return VmRegistration.newBuilder().setVmId(config.vmId()).setAgentId(config.agentId()).setHost(host)
                .setPid(memory.pid()).setBackend(tracker.backend().name().toLowerCase(java.util.Locale.ROOT))
                .setState(state).setRegisteredAt(Instant.now()).setRegions(regions).build();
    }

    /** On the cycle thread: hand the ScanResult to the producer (asynchronous, never blocks the cycle). */
    private void publishScan(CycleReport report) {
        var scan = report.scan();
        GuestRegion r = memory.region(scan.region());
        long out = r.states().evictedCount();
        ScanResult s = ScanResult.newBuilder().setVmId(config.vmId()).setRegion(scan.region())
                .setCycle(cycleBase + scan.cycle())
                .setArmedAt(scan.armedAt()).setScannedAt(scan.scannedAt()).setPageSize((int) r.pageSize())
                .setPages(scan.pages()).setAccessedCount(scan.accessedCount()).setResidentCount(scan.pages() - out)
                .setEvictedCount(out).setAccessed(Bitmaps.toBytes(scan.accessed())).build();
        events.send(new ProducerRecord<>(Topics.SCANS, key, Codec.encode(s))).subscribe(md -> scans.increment(),
                e -> LOG.warn("ScanResult {}/{} cycle {} not published: {}", config.vmId(), scan.region(),
                        scan.cycle(), e.toString()));
    }

    /** On agent-evict-<vmId>: one EvictCommand. Always acks. */
    private void execute(ConsumedRecord rec) {
        try {
            if (rec.key() != null && !config.vmId().equals(new String(rec.key(), StandardCharsets.UTF_8))) {
                return;
            }
            EvictCommand cmd = Codec.decode(rec.value(), EvictCommand.class);
            if (!config.vmId().equals(cmd.getVmId())) {
                return;
            }
            if (cmd.getCycle() <= cycleBase) {
                // It answers a ScanResult published before this attachment: one of a previous incarnation of this
                // VM id (a VM rebooted under the same id, an agent restarted) left unacked in our group, or
                // re-issued by an evictor rebuilding its state from the scans topic. Its pages are another
                // memory's cold pages: never execute it.
                ignored.increment();
                LOG.info("{} ignores EvictCommand {} (cycle {}): it answers a scan from before this attachment"
                        + " (cycles from {})", config.vmId(), cmd.getCommandId(), cmd.getCycle(), cycleBase + 1);
                return;
            }
            if (seen.put(cmd.getCommandId(), Boolean.TRUE) != null || closed.get()) {
                ignored.increment();
                return;
            }
            if (cmd.getRegion() < 0 || cmd.getRegion() >= memory.regions().size()) {
                LOG.warn("EvictCommand {} names region {}, {} has {}", cmd.getCommandId(), cmd.getRegion(),
                        config.vmId(), memory.regions().size());
                ignored.increment();
                return;
            }
            RoaringBitmap pages = Bitmaps.fromBytes(cmd.getPages());
            if (pages.isEmpty()) {
                executed.increment();
                return;
            }
            EvictionReport report = engine.evict(cmd.getRegion(), pages);
            executed.increment();
            evicted.add(report.evicted());
        } catch (SchemaException | IllegalArgumentException e) {
            ignored.increment();
            LOG.warn("ignoring malformed EvictCommand at {}: {}", rec.source(), e.getMessage());
        } catch (RuntimeException e) {
            // The tier did not ack (broker down, timeout): the executor cancelled, nothing was punched.
            failed.increment();
            LOG.warn("EvictCommand at {} for {} failed, nothing punched: {}", rec.source(), config.vmId(),
                    e.toString());
        } finally {
            rec.ack();
        }
    }

    public TrackingEngine engine() {
        return engine;
    }

    public KafkaPageTier tier() {
        return tier;
    }

    public Tracker tracker() {
        return tracker;
    }

    public AgentConfig config() {
        return config;
    }

    public Stats stats() {
        return new Stats(executed.sum(), failed.sum(), ignored.sum(), evicted.sum(), scans.sum(), faults.sent(),
                faults.dropped());
    }

    /**
     * Stops consuming commands (waiting for a running eviction), closes the engine (which restores every evicted
     * page from the tier: in-flight buffer or tier-store RPC), then the fault publisher, producers and consumers.
     * Idempotent.
     */
    @Override
    public void close() {
        close(false);
    }

    /**
     * {@link #close()}; with {@code vmGone} the VM's owner has exited: nothing can be restored (its address space is
     * gone, so the engine skips the restore), every page copy on {@code coldtier.pages} is tombstoned and a
     * {@code VmRegistration} GONE tells the fleet to forget the VM.
     * Everything is closed even if a step fails (e.g. a restore that cannot reach the tier); the first failure is
     * rethrown at the end, and the caller must then treat the memory as still holding evicted pages.
     */
    public void close(boolean vmGone) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException failure = null;
        synchronized (this) {
            if (commands != null) {
                commands.close();
                commandSubscription.dispose();
            }
        }
        evictThread.shutdown();
        try {
            if (!evictThread.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("an eviction of {} is still running after 60 s", config.vmId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            engine.close(); // restores every page; needs the tier open
        } catch (RuntimeException e) {
            failure = e;
            // The restore failed part-way: stop answering faults anyway (the caller keeps the uffd open, so
            // faulting threads wait in the kernel for the next attachment instead of getting zero pages).
            engine.faultLoop().close();
        }
        faults.close();
        // Tombstones delete the only copies of evicted pages: never while an owner that could fault on them lives.
        if (vmGone && (memory.evictedPages() == 0 || !memory.ownerAlive())) {
            try {
                long n = tier.forgetAll(Duration.ofSeconds(30));
                LOG.info("{} is gone: tombstoned {} pages on {}", config.vmId(), n, Topics.PAGES);
            } catch (RuntimeException e) {
                LOG.warn("tombstones for the pages of {} not all acknowledged: {}", config.vmId(), e.toString());
            }
            try {
                events.send(new ProducerRecord<>(Topics.VMS, key, Codec.encode(registration(VmState.GONE))))
                        .block(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.warn("VmRegistration GONE of {} not published: {}", config.vmId(), e.toString());
            }
        }
        events.close(Duration.ofSeconds(10));
        tier.close();
        tracker.close();
        if (failure != null) {
            throw failure;
        }
    }
}
