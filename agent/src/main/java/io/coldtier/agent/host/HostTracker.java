package io.coldtier.agent.host;

import io.coldtier.faultsource.FreezeControl;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.Registration;
import io.coldtier.handover.Connection;
import io.coldtier.handover.Message;
import io.coldtier.linux.PagemapScan;
import io.coldtier.linux.TrackingBackend;
import io.coldtier.scanner.Tracker;
import io.coldtier.scanner.ZapTracker;
import org.roaringbitmap.RoaringBitmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The zap backend for handed-over memory. Without the VMM's {@code zap} capability it is the plain {@link ZapTracker}
 * (remote {@code process_madvise(MADV_PAGEOUT)} with re-scans, stock-kernel-tracking.md Q7). With it, arming asks
 * the VMM over the hand-over connection to {@code madvise(MADV_DONTNEED)} the region in its own address space, which
 * zaps every PTE exactly; if the VMM does not answer within the timeout, or answers with an error, that cycle falls
 * back to the remote arm, and its scan to the plain tracker's (which reports what it could not zap as accessed): a
 * slow VMM costs precision, never data.
 *
 * <p>Once the VMM process is gone (its address space with it), arming and scanning would fail with ESRCH on every
 * cycle until the session forgets the VM; they become no-ops instead (an empty scan commands no eviction).
 */
final class HostTracker implements Tracker {
    private static final Logger LOG = LoggerFactory.getLogger(HostTracker.class);

    private final GuestMemory memory;
    private final ZapTracker plain;
    private final PagemapScan scan;
    private final Connection connection;
    private final Duration timeout;
    private final String vmId;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Message.ZapDone>> pending = new ConcurrentHashMap<>();
    /** Per region: whether its last arm was the VMM's (exact) or the remote fallback. */
    private final boolean[] armedByVmm;
    private final LongAdder zapsByVmm = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    /** Zap requests may only go out once the verdict has been sent (the VMM expects it first). */
    private volatile boolean ready;

    private final boolean zapByVmm;
    private volatile boolean ownerGone;

    /** @param connection the VMM's connection, or null if it does not serve zap requests */
    HostTracker(GuestMemory memory, Connection connection, Duration timeout, String vmId) {
        this.memory = memory;
        this.zapByVmm = connection != null;
        this.plain = new ZapTracker(memory);
        this.scan = PagemapScan.of(memory.pid());
        this.connection = connection;
        this.timeout = timeout;
        this.vmId = vmId;
        this.armedByVmm = new boolean[memory.regions().size()];
    }

    /** The verdict is out: from now on arms are sent to the VMM. */
    void ready() {
        ready = true;
    }

    /** The VMM said goodbye: it no longer answers zap requests. */
    void notReady() {
        ready = false;
    }

    /** On the session's reader thread: the VMM's answer to a zap request. */
    void completed(Message.ZapDone done) {
        CompletableFuture<Message.ZapDone> f = pending.remove(done.id());
        if (f != null) {
            f.complete(done);
        }
    }

    long vmmZaps() {
        return zapsByVmm.sum();
    }

    boolean servedByVmm() {
        return zapByVmm;
    }

    long fallbacks() {
        return fallbacks.sum();
    }

    @Override
    public TrackingBackend backend() {
        return TrackingBackend.ZAP;
    }

    @Override
    public Registration registration() {
        return Registration.ZAP;
    }

    @Override
    public void arm(GuestRegion r) {
        if (ownerGone) {
            return;
        }
        if (zapByVmm && ready && !connection.isClosed() && askVmm(r)) {
            armedByVmm[r.index()] = true;
            zapsByVmm.increment();
            return;
        }
        armedByVmm[r.index()] = false;
        if (zapByVmm) {
            fallbacks.increment();
        }
        try {
            plain.arm(r);
        } catch (RuntimeException e) {
            if (gone()) {
                return;
            }
            throw e;
        }
    }

    /** Whether the VMM's address space is gone (then remembered: it does not come back). */
    private boolean gone() {
        if (!ownerGone && !memory.ownerAlive()) {
            ownerGone = true;
            LOG.info("the VMM of {} is gone: tracking stops until the session forgets the VM", vmId);
        }
        return ownerGone;
    }

    private boolean askVmm(GuestRegion r) {
        long id = ids.incrementAndGet();
        CompletableFuture<Message.ZapDone> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            try {
                connection.send(new Message.ZapRequest(id, List.of(new Message.Range(r.hostAddress(), r.size()))));
            } catch (RuntimeException e) {
                ready = false; // the connection is gone; the session notices and ends
                LOG.info("cannot send zap requests to the VMM of {} any more ({}); arming by process_madvise",
                        vmId, e.toString());
                return false;
            }
            Message.ZapDone done = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done.ok()) {
                LOG.warn("VMM of {} failed zap {}: {}; arming by process_madvise instead", vmId, id, done.message());
            }
            return done.ok();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warn("VMM of {} did not answer zap {} within {}: {}; arming by process_madvise instead", vmId, id,
                    timeout, e.toString());
            return false;
        } finally {
            pending.remove(id);
        }
    }

    @Override
    public void beginFreeze(GuestRegion r) {
        plain.beginFreeze(r);
    }

    @Override
    public RoaringBitmap hotScan(GuestRegion r) {
        if (ownerGone) {
            return new RoaringBitmap();
        }
        try {
            if (!armedByVmm[r.index()]) {
                return plain.hotScan(r);
            }
            RoaringBitmap hot = new RoaringBitmap();
            long base = r.hostAddress();
            long ps = r.pageSize();
            scan.scan(base, base + r.size(), PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT),
                    (s, e, c) -> hot.add((s - base) / ps, (e - base) / ps));
            return hot;
        } catch (RuntimeException e) {
            if (gone()) {
                return new RoaringBitmap();
            }
            throw e;
        }
    }

    @Override
    public FreezeControl freezeControl() {
        return plain.freezeControl();
    }

    @Override
    public void resume(GuestRegion r) {
        plain.resume(r);
    }

    @Override
    public String describe() {
        return zapByVmm ? "zap (MISSING|WP, arm by the VMM's MADV_DONTNEED over the hand-over socket, process_madvise"
                + " fallback, freeze by UFFDIO_WRITEPROTECT, hot scan PAGE_IS_PRESENT)" : plain.describe();
    }

    @Override
    public void close() {
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("tracker closed")));
        scan.close();
        plain.close();
    }
}
