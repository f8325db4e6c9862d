package io.coldtier.cli;

import io.coldtier.agent.AgentConfig;
import io.coldtier.agent.AgentService;
import io.coldtier.agent.host.AgentHost;
import io.coldtier.agent.host.AgentHostConfig;
import io.coldtier.bus.KafkaSettings;
import io.coldtier.bus.TopicAdmin;
import io.coldtier.cli.ServiceConfig.Common;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.schemas.Topics;
import io.coldtier.workload.GuestPages;
import io.coldtier.workload.Workload;
import io.coldtier.workload.WorkloadSpec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * {@code coldtier agent}: the agent host, taking VMs handed over by VMMs on a Unix socket ({@code --listen}), or one
 * VM's agent on guest memory it creates itself; until SIGTERM/SIGINT.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run one VM's agent: tracks the guest memory's working set with userfaultfd (zap backend), publishes"
                    + " VmRegistration, ScanResults and FaultEvents, executes the evictor's EvictCommands"
                    + " (pages made durable on coldtier.pages before they are punched) and serves refaults from"
                    + " the tier-store's page RPC. Runs until SIGTERM/SIGINT; on exit every evicted page is"
                    + " restored.",
            "",
            "With --listen PATH it is the agent host: VMMs (e.g. `coldtier vmm`) connect to that Unix socket and"
                    + " hand their guest memory over (userfaultfd + memfds via SCM_RIGHTS, protocol in"
                    + " handover/README.md); each accepted VM gets its own agent until its VMM disconnects or exits."
                    + " Only peers whose uid is in --allow-uid (default: this process's uid) may hand over. A"
                    + " restarted host accepts the same VMs again and recovers their evicted pages from the tier.",
            "",
            "Without --listen the agent runs one VM (--vm-id) on guest memory it creates itself (--guest-size,"
                    + " 4 KiB pages) with a built-in synthetic workload standing in for the vCPUs (--workload on|off).",
        },
        footerHeading = "%nConfig keys (--config FILE, Java properties; flags win over the file):%n",
        footer = {
            "  bootstrap.servers     Kafka host:port[,...]        (--bootstrap-servers)",
            "                        required unless embedded.broker=true",
            "  embedded.broker       true|false, default false    (--embedded-broker)",
            "  metrics.bind          default 0.0.0.0",
            "  metrics.port          default 9403, 0 = ephemeral  (--metrics-port)",
            "  log.level             error|warn|info|debug|trace  (--log-level)",
            "  partitions            coldtier topic partitions, default 3 (as the cluster)",
            "  listen                hand-over socket path: agent host mode (--listen)",
            "  allow.uid             uids allowed to hand over, e.g. 0,1000; default own uid (--allow-uid)",
            "  vm.id                 fleet-unique VM id, no '/'; required without listen (--vm-id)",
            "  agent.id              default agent-<vm.id>, with listen agent-<HOSTNAME>",
            "  tier.store            tier-store RPC, default localhost:9400 (--tier-store)",
            "  guest.size            e.g. 64m, 1g; multiple of 4k; default 64m (--guest-size)",
            "  interval              detection interval, 500ms, 1s; default 1s (--interval)",
            "  workload              on|off: synthetic vCPUs, default on (--workload)",
            "  workload.threads      synthetic vCPU threads, default 2",
            "  fault.queue.capacity  FaultEvent queue bound, default 65536",
            "  (guest.size, workload, workload.threads and vm.id do not apply with listen)",
            "%nMetrics: coldtier_agent_* (evicted pages, refaults, scans, commands, fault events, tier fetches) + JVM;"
                    + " with listen: coldtier_agent_vms_attached, _vms_orphaned, _pages_out, _handovers_*.",
            "Needs userfaultfd (run `coldtier probe`). Exit codes: 0 stopped by signal, 1 start-up failure,"
                    + " 2 bad flags or config.",
            "Example: coldtier agent --bootstrap-servers kafka:9092 --tier-store ts-host:9400"
                    + " --listen /run/coldtier/agent.sock --allow-uid 0",
            "Example: coldtier agent --bootstrap-servers kafka:9092 --vm-id vm-1 --tier-store ts-host:9400"
                    + " --guest-size 256m --interval 1s",
        })
public final class AgentCommand extends ServiceCommand<ServiceConfig.Agent> {
    @Option(names = "--vm-id", paramLabel = "ID", description = "VM id (key vm.id).")
    String vmId;

    @Option(names = "--tier-store", paramLabel = "HOST:PORT", description = "tier-store page RPC (key tier.store).")
    String tierStore;

    @Option(names = "--guest-size", paramLabel = "SIZE", description = "Guest memory to create (key guest.size).")
    String guestSize;

    @Option(names = "--interval", paramLabel = "DURATION", description = "Detection interval (key interval).")
    String interval;

    @Option(names = "--workload", paramLabel = "on|off", description = "Run the synthetic vCPUs (key workload).")
    String workload;

    @Option(names = "--listen", paramLabel = "PATH",
            description = "Agent host mode: accept VMM hand-overs on this Unix socket (key listen).")
    String listen;

    @Option(names = "--allow-uid", paramLabel = "UID[,UID...]",
            description = "Uids allowed to hand over memory, with --listen; default own uid (key allow.uid).")
    String allowUid;

    @Override
    protected String serviceName() {
        return "agent";
    }

    @Override
    protected void serviceFlags(Map<String, String> flags) {
        flags.put(ServiceConfig.VM_ID, vmId);
        flags.put(ServiceConfig.TIER_STORE, tierStore);
        flags.put(ServiceConfig.GUEST_SIZE, guestSize);
        flags.put(ServiceConfig.INTERVAL, interval);
        flags.put(ServiceConfig.WORKLOAD, workload);
        flags.put(ServiceConfig.LISTEN, listen);
        flags.put(ServiceConfig.ALLOW_UID, allowUid);
    }

    @Override
    protected ServiceConfig.Agent parse(Map<String, String> raw) {
        return ServiceConfig.agent(raw);
    }

    @Override
    protected Common common(ServiceConfig.Agent c) {
        return c.common();
    }

    /** Memory, vCPU stand-in and agent; closed in reverse (the agent restores every page before the memory goes). */
    private record Running(GuestMemory memory, Workload workload, AgentService agent) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (workload != null) {
                    workload.stop(Duration.ofSeconds(20));
                }
            } finally {
                try {
                    if (agent != null) {
                        agent.close();
                    }
                } finally {
                    memory.close();
                }
            }
        }
    }

    @Override
    protected AutoCloseable startService(ServiceConfig.Agent c, String bootstrap, MeterRegistry registry) {
        KafkaSettings kafka = KafkaSettings.of(bootstrap, c.hostMode() ? c.agentId() : "agent-" + c.vmId());
        try (TopicAdmin admin = new TopicAdmin(kafka)) {
            admin.ensureTopics(Topics.newTopics(c.common().partitions(), (short) 1));
        }
        if (c.hostMode()) {
            AgentHost host = AgentHost.start(new AgentHostConfig(c.listen(), c.allowUids(), c.agentId(), kafka,
                    c.tierStore(), c.common().partitions(), c.interval(), c.faultQueueCapacity(), Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofSeconds(30)));
            bindHostMetrics(registry, host);
            return host;
        }
        GuestMemory memory = GuestMemory.create(List.of(RegionSpec.local(0, c.guestSize(), 4096)), Registration.ZAP);
        Workload workload = null;
        AgentService agent = null;
        try {
            if (c.workload()) {
                GuestRegion r = memory.region(0);
                workload = Workload.start(new GuestPages(r.hostAddress(), r.pages(), 4096),
                        WorkloadSpec.defaults().withThreads(c.workloadThreads()).withHotFraction(0.1)
                                .withHotShare(0.98).withThinkTimeNanos(100_000)
                                .withPhaseChangeAfter(Duration.ofSeconds(30)));
            }
            agent = new AgentService(memory, new AgentConfig(c.vmId(), c.agentId(), kafka, c.tierStore(),
                    c.common().partitions(), c.interval(), c.faultQueueCapacity()));
            agent.start();
            bindMetrics(registry, c.vmId(), memory, agent);
            return new Running(memory, workload, agent);
        } catch (RuntimeException | Error e) {
            new Running(memory, workload, agent).close();
            throw e;
        }
    }

    private static void bindMetrics(MeterRegistry registry, String vm, GuestMemory memory, AgentService agent) {
        counter(registry, "coldtier.agent.commands.executed", "EvictCommands executed", vm, agent,
                a -> a.stats().commandsExecuted());
        counter(registry, "coldtier.agent.commands.failed", "EvictCommands that failed", vm, agent,
                a -> a.stats().commandsFailed());
        counter(registry, "coldtier.agent.commands.ignored", "redelivered EvictCommands ignored", vm, agent,
                a -> a.stats().commandsIgnored());
        counter(registry, "coldtier.agent.scans.published", "ScanResults published", vm, agent,
                a -> a.stats().scansPublished());
        counter(registry, "coldtier.agent.fault.events.sent", "FaultEvents published", vm, agent,
                a -> a.stats().faultEventsSent());
        counter(registry, "coldtier.agent.fault.events.dropped", "FaultEvents dropped on a full queue", vm, agent,
                a -> a.stats().faultEventsDropped());
        counter(registry, "coldtier.agent.pages.evicted", "pages evicted", vm, agent,
                a -> a.engine().metrics().evictedPages.sum());
        counter(registry, "coldtier.agent.refaults", "refaults of evicted pages", vm, agent,
                a -> a.engine().metrics().refaults.sum());
        counter(registry, "coldtier.agent.tier.fetched.rpc", "refaults served by the tier-store RPC", vm, agent,
                a -> a.tier().stats().fetchedFromRpc());
        counter(registry, "coldtier.agent.tier.fetched.buffer", "refaults served from the in-flight buffer", vm,
                agent, a -> a.tier().stats().fetchedFromBuffer());
        counter(registry, "coldtier.agent.cycles", "detection cycles", vm, agent, a -> a.engine().cycles());
        Gauge.builder("coldtier.agent.pages.out", memory, m -> m.evictedPages())
                .description("guest pages currently evicted").tag("vm", vm).register(registry);
        Gauge.builder("coldtier.agent.tier.inflight", agent, a -> a.tier().stats().inFlight())
                .description("pages stored but not yet acked by the tier-store").tag("vm", vm).register(registry);
    }

    private static void bindHostMetrics(MeterRegistry registry, AgentHost host) {
        Gauge.builder("coldtier.agent.vms.attached", host, h -> h.attachedVms().size())
                .description("VMs attached through the hand-over socket").register(registry);
        Gauge.builder("coldtier.agent.vms.orphaned", host, h -> h.orphanedVms().size())
                .description("VMs whose pages could not be restored, kept until their VMM exits").register(registry);
        Gauge.builder("coldtier.agent.pages.out", host, h -> h.attachedVms().stream()
                        .mapToLong(vm -> h.memory(vm).map(m -> m.evictedPages()).orElse(0L)).sum())
                .description("guest pages currently evicted, over every attached VM").register(registry);
        FunctionCounter.builder("coldtier.agent.handovers.accepted", host, h -> h.handOverStats().accepted())
                .description("hand-overs accepted").register(registry);
        FunctionCounter.builder("coldtier.agent.handovers.rejected", host, h -> h.handOverStats().rejected())
                .description("hand-overs rejected (bad input, busy, unavailable)").register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String help, String vm, AgentService agent,
                                ToDoubleFunction<AgentService> f) {
        FunctionCounter.builder(name, agent, f).description(help).tag("vm", vm).register(registry);
    }

    @Override
    protected String describe(ServiceConfig.Agent c, AutoCloseable service) {
        if (c.hostMode()) {
            return "listen=" + c.listen() + " allow.uid=" + c.allowUids() + " agent.id=" + c.agentId() + " interval="
                    + c.interval() + " tier.store=" + c.tierStore();
        }
        return "vm.id=" + c.vmId() + " guest.size=" + c.guestSize() + " pages=" + c.guestPages() + " interval="
                + c.interval() + " workload=" + (c.workload() ? "on" : "off") + " tier.store=" + c.tierStore();
    }
}
