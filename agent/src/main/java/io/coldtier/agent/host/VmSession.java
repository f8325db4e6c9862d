package io.coldtier.agent.host;

import io.coldtier.agent.AgentConfig;
import io.coldtier.agent.AgentService;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.HandOver;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.handover.Connection;
import io.coldtier.handover.HandOverException;
import io.coldtier.handover.HandOverServer;
import io.coldtier.handover.Message;
import io.coldtier.handover.MessageCodec;
import io.coldtier.handover.Protocol;
import io.coldtier.handover.RejectCode;
import io.coldtier.handover.ValidatedHandOver;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.Poll;
import io.coldtier.linux.Userfaultfd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One attached VM: its handed-over memory, its {@link AgentService}, and the connection to its VMM. Built by
 * {@link #attach} (on the connection's thread, before the verdict), then {@link #run} reads the VMM's messages until
 * the connection ends and stops the VM the way that ending calls for:
 *
 * <ul>
 *   <li>goodbye "detach", or the agent host stopping: restore every evicted page (UFFDIO_COPY from the tier),
 *       unregister the regions, and hand the memory back: the VMM runs on unmanaged;</li>
 *   <li>goodbye "exiting", or end of stream: wait for the VMM process to exit (pidfd); once it has, forget the VM
 *       (nothing to restore into, its page copies are tombstoned, VmRegistration GONE); if it is still alive after
 *       the grace period, restore and unregister as for a detach.</li>
 * </ul>
 *
 * If a restore cannot finish (tier unreachable), the descriptors are kept (an orphan of the host) rather than
 * unregistered: the VMM's threads wait in the kernel until an agent accepts the VM again, and nothing is lost.
 */
final class VmSession implements HandOverServer.Attachment {
    private static final Logger LOG = LoggerFactory.getLogger(VmSession.class);

    private enum End { DETACH, EXITING, DISCONNECTED, HOST_STOPPING }

    private final AgentHost host;
    private final ValidatedHandOver handOver;
    private final Connection connection;
    private final GuestMemory memory;
    private final OwnedFd pidfd;
    private final AgentService agent;
    private final HostTracker tracker;
    private final Message.Accepted verdict;
    private final Recovery.Result recovery;
    private final CountDownLatch done = new CountDownLatch(1);

    private VmSession(AgentHost host, ValidatedHandOver handOver, Connection connection, GuestMemory memory,
                      OwnedFd pidfd, AgentService agent, HostTracker tracker, Recovery.Result recovery) {
        this.host = host;
        this.handOver = handOver;
        this.connection = connection;
        this.memory = memory;
        this.pidfd = pidfd;
        this.agent = agent;
        this.tracker = tracker;
        this.recovery = recovery;
        this.verdict = new Message.Accepted(handOver.vmId(), host.config().agentId(), recovery.evicted(),
                tracker.servedByVmm() ? "vmm" : "process_madvise");
    }

    /**
     * Registers the regions, attaches the memory, recovers what a previous agent evicted, starts the VM's agent and
     * lets every thread a previous agent left waiting retry. On failure everything done is undone (the
     * registrations this attach made are rolled back, our descriptor copies closed) and the cause is thrown as the
     * rejection.
     */
    static VmSession attach(AgentHost host, ValidatedHandOver h, Connection c) {
        AgentHostConfig cfg = host.config();
        register(h);
        GuestMemory memory = null;
        OwnedFd pidfd = null;
        AgentService agent = null;
        try {
            memory = GuestMemory.attach(new HandOver(h.uffd(), h.memfds(), specs(h), h.pid(), true), Registration.ZAP);
            pidfd = Madvise.pidfdOpen(h.pid());
            Recovery.Result rec = Recovery.recover(memory, h.vmId(), cfg.kafka(), cfg.partitions(), cfg.tierStore(),
                    cfg.recoveryTimeout());
            HostTracker tracker = new HostTracker(memory, h.serves(Protocol.CAP_ZAP) ? c : null, cfg.zapTimeout(),
                    h.vmId());
            AgentConfig ac = new AgentConfig(h.vmId(), cfg.agentId(), cfg.kafka(), cfg.tierStore(), cfg.partitions(),
                    cfg.interval(), cfg.faultQueueCapacity());
            // Cycle numbers go on from the wall clock: above anything the previous agent published for this VM.
            agent = new AgentService(memory, ac, new AgentService.Options(System.currentTimeMillis(),
                    m -> tracker, rec.buffer(), rec.stored()));
            releaseLeftovers(memory);
            try {
                agent.start();
            } catch (RuntimeException e) {
                throw new HandOverException(RejectCode.UNAVAILABLE, "cannot publish the VmRegistration of "
                        + h.vmId() + " to Kafka: " + e.getMessage(), e);
            }
            return new VmSession(host, h, c, memory, pidfd, agent, tracker, rec);
        } catch (RuntimeException e) {
            if (agent != null) {
                try {
                    agent.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (pidfd != null) {
                pidfd.close();
            }
            if (h.uffd().isOpen()) {
                unregisterOurs(h, memory != null ? memory.uffd() : Userfaultfd.adopt(h.uffd()), h.regions().size());
            }
            // The VMM keeps its own references (protocol rule), so closing ours wakes nobody and loses nothing,
            // even with recovered pages still evicted: they stay holes with their copies in the tier.
            h.close();
            throw e;
        }
    }

    private static List<RegionSpec> specs(ValidatedHandOver h) {
        List<RegionSpec> specs = new ArrayList<>();
        for (Message.RegionMapping r : h.regions()) {
            specs.add(new RegionSpec(r.guestPhysAddr(), r.size(), r.hostBase(), r.memfdIndex(), r.memfdOffset(),
                    r.pageSize()));
        }
        return specs;
    }

    /**
     * UFFDIO_REGISTER(MISSING|WP) every region, whatever the VMM did (registering modes already present is a
     * no-op, adding WP to a MISSING registration works in place). A failure unregisters what this call registered
     * and nothing else.
     */
    private static void register(ValidatedHandOver h) {
        // A second wrapper of the same descriptor, only for these ioctls; GuestMemory adopts the descriptor next.
        Userfaultfd u = Userfaultfd.adopt(h.uffd());
        int done = 0;
        try {
            for (Message.RegionMapping r : h.regions()) {
                u.register(r.hostBase(), r.size(), Registration.ZAP.mode());
                done++;
            }
        } catch (RuntimeException e) {
            unregisterOurs(h, u, done);
            throw new HandOverException(RejectCode.ATTACH_FAILED, "UFFDIO_REGISTER(MISSING|WP) of regions[" + done
                    + "] failed (is the uffd the VMM's own, and the region its shared memfd mapping?): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Undoes the registrations {@link #register} made on the first {@code count} regions: only regions that were not
     * registered MISSING|WP before the hand-over, which therefore cannot hold an evicted page (an eviction needs the
     * registration). A registration found in place, e.g. left by an agent that died with pages evicted, is never
     * touched: unregistering it would turn those holes into zero pages.
     */
    private static void unregisterOurs(ValidatedHandOver h, Userfaultfd u, int count) {
        boolean[] before = h.registered();
        for (int i = 0; i < count; i++) {
            if (before[i]) {
                continue;
            }
            Message.RegionMapping r = h.regions().get(i);
            try {
                u.unregister(r.hostBase(), r.size());
            } catch (RuntimeException ignored) {
                // best effort: nothing is evicted there; the VMM sees at most a registered range
            }
        }
    }

    /**
     * After an agent died mid-flight: pages it froze stay write-protected, and faults it had read but not resolved
     * are gone with it (their threads sleep in handle_userfault and will not ask again). Unprotecting the regions
     * releases the writers, and one UFFDIO_WAKE over every region makes every other waiter retry its access, which
     * produces a fresh message for the fault loop now running. Both are harmless on a first attach.
     */
    private static void releaseLeftovers(GuestMemory memory) {
        for (GuestRegion r : memory.regions()) {
            memory.uffd().writeProtect(r.hostAddress(), r.size(), false, false);
            memory.uffd().wake(r.hostAddress(), r.size());
        }
    }

    String vmId() {
        return handOver.vmId();
    }

    int pid() {
        return handOver.pid();
    }

    AgentService agent() {
        return agent;
    }

    GuestMemory memory() {
        return memory;
    }

    Recovery.Result recovery() {
        return recovery;
    }

    HostTracker tracker() {
        return tracker;
    }

    @Override
    public Message.Accepted verdict() {
        return verdict;
    }

    @Override
    public void abort(Exception why) {
        try {
            finish(End.DISCONNECTED);
        } finally {
            done.countDown();
        }
    }

    /** Makes {@link #run} end (host stopping); returns at once. */
    void requestStop() {
        connection.requestStop();
    }

    boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
        try {
            tracker.ready();
            finish(readUntilEnd());
        } catch (RuntimeException e) {
            LOG.error("session of {} failed; stopping it as if the VMM disconnected", vmId(), e);
            finish(End.DISCONNECTED);
        } finally {
            done.countDown();
        }
    }

    private End readUntilEnd() {
        while (true) {
            Connection.Received r = connection.receive(Duration.ofSeconds(1));
            switch (r) {
                case Connection.Closed c -> {
                    tracker.notReady(); // nobody reads zap requests any more
                    return host.stopping() ? End.HOST_STOPPING : End.DISCONNECTED;
                }
                case Connection.TimedOut t -> {
                    if (host.stopping()) {
                        return End.HOST_STOPPING;
                    }
                }
                case Connection.Got g -> {
                    try (Connection.Frame f = g.frame()) {
                        if (!f.fds().isEmpty()) {
                            LOG.warn("{} sent {} descriptors after its hello; closed them", vmId(), f.fds().size());
                        }
                        Message m;
                        try {
                            m = MessageCodec.decode(f.body());
                        } catch (HandOverException e) {
                            LOG.warn("ignoring a malformed message from the VMM of {}: {}", vmId(), e.toString());
                            continue;
                        }
                        switch (m) {
                            case Message.ZapDone d -> tracker.completed(d);
                            case Message.Goodbye b when b.reason().equals(Protocol.GOODBYE_DETACH) -> {
                                return End.DETACH;
                            }
                            case Message.Goodbye b -> {
                                // It stops reading now; arms until it is gone go the remote way.
                                tracker.notReady();
                                connection.send(new Message.Detached(0));
                                return End.EXITING;
                            }
                            default -> LOG.warn("ignoring unexpected '{}' from the VMM of {}", m.type(), vmId());
                        }
                    }
                }
            }
        }
    }

    private void finish(End end) {
        AgentHostConfig cfg = host.config();
        try {
            switch (end) {
                case DETACH -> {
                    long restored = restoreAndRelease();
                    if (restored >= 0) {
                        connection.send(new Message.Detached(restored));
                    }
                }
                case HOST_STOPPING -> restoreAndRelease();
                case EXITING, DISCONNECTED -> {
                    Duration grace = end == End.EXITING ? cfg.exitGrace().multipliedBy(10) : cfg.exitGrace();
                    if (exited(grace)) {
                        forget();
                    } else {
                        LOG.info("the VMM of {} (pid {}) is alive without a connection: restoring its memory", vmId(),
                                pid());
                        restoreAndRelease();
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("stopping {} failed", vmId(), e);
        } finally {
            host.ended(this);
        }
    }

    /** Whether the VMM process exits within {@code grace} (its pidfd becomes readable). */
    private boolean exited(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (Poll.readable(pidfd.get(), (int) Math.max(0, Math.min(200, left)))) {
                return true;
            }
            if (left <= 0) {
                return false;
            }
        }
    }

    /** The VMM is gone: stop without restoring, tombstone its pages, publish GONE, drop everything. */
    private void forget() {
        long out = memory.evictedPages();
        try {
            agent.close(true);
        } catch (RuntimeException e) {
            LOG.warn("closing the agent of {} after its VMM exited: {}", vmId(), e.toString());
        }
        memory.close();
        pidfd.close();
        LOG.info("the VMM of {} (pid {}) exited: forgot the VM ({} pages were evicted)", vmId(), pid(), out);
    }

    /**
     * Restores every evicted page, unregisters the regions and closes our descriptors. Returns the pages restored,
     * or -1 if the restore could not finish (the memory then becomes an orphan of the host).
     */
    private long restoreAndRelease() {
        long out = memory.evictedPages();
        try {
            agent.close(false);
        } catch (RuntimeException e) {
            LOG.error("restoring the {} evicted pages of {} failed: keeping its descriptors until an agent accepts it"
                    + " again or its VMM exits", memory.evictedPages(), vmId(), e);
        }
        if (memory.evictedPages() > 0 && memory.ownerAlive()) {
            host.orphan(vmId(), memory, pidfd);
            return -1;
        }
        if (memory.ownerAlive()) {
            // Nothing is evicted or frozen any more: unregistering is safe now, and it must happen, or the VMM's
            // first touch of a never-written page would wait for a MISSING answer nobody gives.
            for (GuestRegion r : memory.regions()) {
                try {
                    memory.uffd().unregister(r.hostAddress(), r.size());
                } catch (RuntimeException e) {
                    LOG.warn("UFFDIO_UNREGISTER of {} region {}: {}", vmId(), r.index(), e.toString());
                }
            }
        }
        memory.close();
        pidfd.close();
        LOG.info("{} detached: {} pages restored, regions unregistered", vmId(), out);
        return out;
    }
}
