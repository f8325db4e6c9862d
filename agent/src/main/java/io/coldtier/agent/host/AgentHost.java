package io.coldtier.agent.host;

import io.coldtier.agent.AgentService;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.handover.Connection;
import io.coldtier.handover.HandOverException;
import io.coldtier.handover.HandOverServer;
import io.coldtier.handover.RejectCode;
import io.coldtier.handover.ValidatedHandOver;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.Poll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The per-host agent in production shape: VMMs hand their guest memory over on a Unix socket
 * ({@link HandOverServer}), and each accepted VM runs as its own {@link VmSession} (one {@link AgentService} on the
 * handed-over memory), independent of every other: a VM attaching, failing or leaving never disturbs the rest.
 *
 * <p><b>Orphans.</b> A VM whose session ended with pages it could not restore (tier unreachable) while its VMM is
 * still alive keeps its descriptors here, untouched, until the VMM exits (then they are closed) or the VM is handed
 * over again (then the new session, which recovers the evicted pages from the tier, replaces them). Closing them
 * early would be safe as long as the VMM keeps its own uffd open, as the protocol requires; keeping them costs
 * nothing and survives a VMM that broke that rule.
 */
public final class AgentHost implements HandOverServer.Host, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHost.class);

    private record Orphan(GuestMemory memory, OwnedFd pidfd) {
        void close() {
            // The VMM holds its own uffd (protocol rule): closing our copies wakes nobody.
            memory.uffd().close();
            memory.regions().forEach(r -> r.memfd().close());
            pidfd.close();
        }
    }

    private final AgentHostConfig config;
    private final Map<String, VmSession> sessions = new ConcurrentHashMap<>();
    /** vm ids between "attach started" and "session registered": a second hand-over of one is VM_BUSY. */
    private final Map<String, Boolean> attaching = new ConcurrentHashMap<>();
    private final Map<String, Orphan> orphans = new ConcurrentHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Thread reaper;
    private HandOverServer server;

    private AgentHost(AgentHostConfig config) {
        this.config = config;
        this.reaper = Thread.ofPlatform().name("agent-host-orphan-reaper").daemon(true).unstarted(this::reapLoop);
    }

    /** Listens on {@code config.socket()} and accepts hand-overs until {@link #close()}. */
    public static AgentHost start(AgentHostConfig config) {
        AgentHost host = new AgentHost(config);
        host.server = HandOverServer.start(HandOverServer.Config.of(config.socket(), config.allowedUids()), host);
        host.reaper.start();
        return host;
    }

    AgentHostConfig config() {
        return config;
    }

    boolean stopping() {
        return stopping.get();
    }

    @Override
    public HandOverServer.Attachment attach(ValidatedHandOver h, Connection c) {
        if (stopping.get()) {
            throw new HandOverException(RejectCode.UNAVAILABLE, "the agent is shutting down");
        }
        String vm = h.vmId();
        if (sessions.containsKey(vm) || attaching.putIfAbsent(vm, Boolean.TRUE) != null) {
            VmSession s = sessions.get(vm);
            throw new HandOverException(RejectCode.VM_BUSY, vm + " is already attached"
                    + (s != null ? " from pid " + s.pid() : "") + "; retry once that attachment has ended");
        }
        try {
            Orphan o = orphans.remove(vm);
            if (o != null) {
                LOG.info("{} is handed over again: the new attachment replaces the descriptors kept since its last"
                        + " session", vm);
                o.close();
            }
            VmSession s = VmSession.attach(this, h, c);
            sessions.put(vm, s);
            return s;
        } finally {
            attaching.remove(vm);
        }
    }

    /** Called by a session when it has ended (restored, forgotten or orphaned). */
    void ended(VmSession s) {
        sessions.remove(s.vmId(), s);
    }

    void orphan(String vmId, GuestMemory memory, OwnedFd pidfd) {
        orphans.put(vmId, new Orphan(memory, pidfd));
    }

    private void reapLoop() {
        while (!stopping.get()) {
            for (var e : List.copyOf(orphans.entrySet())) {
                if (Poll.readable(e.getValue().pidfd().get(), 0) && orphans.remove(e.getKey(), e.getValue())) {
                    LOG.info("the VMM of orphaned {} exited; closing its descriptors", e.getKey());
                    e.getValue().close();
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ inspection

    /** The agent of an attached VM. */
    public Optional<AgentService> agent(String vmId) {
        return Optional.ofNullable(sessions.get(vmId)).map(VmSession::agent);
    }

    /** The guest memory of an attached VM (for inspection: the session owns it). */
    public Optional<GuestMemory> memory(String vmId) {
        return Optional.ofNullable(sessions.get(vmId)).map(VmSession::memory);
    }

    /** Pages found evicted when {@code vmId} was attached (0 on a first attach). */
    public Optional<Long> recoveredPages(String vmId) {
        return Optional.ofNullable(sessions.get(vmId)).map(s -> s.recovery().evicted());
    }

    /** Zap requests the VMM of {@code vmId} served, and arms that fell back to process_madvise. */
    public Optional<long[]> zapCounts(String vmId) {
        return Optional.ofNullable(sessions.get(vmId)).map(VmSession::tracker)
                .map(z -> new long[] {z.vmmZaps(), z.fallbacks()});
    }

    public List<String> attachedVms() {
        return new ArrayList<>(sessions.keySet());
    }

    public List<String> orphanedVms() {
        return new ArrayList<>(orphans.keySet());
    }

    public HandOverServer.Stats handOverStats() {
        return server.stats();
    }

    /**
     * Stops accepting, then ends every session the safe way for a live VMM: every evicted page restored, regions
     * unregistered, connection closed (the VMM sees end of stream and may hand over to the next agent). Orphans'
     * descriptors are closed. Idempotent.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        server.close();
        List<VmSession> all = new ArrayList<>(sessions.values());
        all.forEach(VmSession::requestStop);
        for (VmSession s : all) {
            try {
                if (!s.awaitDone(Duration.ofSeconds(120))) {
                    LOG.warn("session of {} did not end within 120 s", s.vmId());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reaper.interrupt();
        orphans.values().forEach(Orphan::close);
        orphans.clear();
    }
}
