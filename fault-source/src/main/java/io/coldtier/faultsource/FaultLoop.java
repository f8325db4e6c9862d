package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.PageTier;
import io.coldtier.linux.UffdEvent;
import io.coldtier.linux.UffdEventBuffer;
import io.coldtier.linux.Userfaultfd;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The userfaultfd reader: one dedicated platform thread per uffd reads messages in batches and
 * answers each per {@link FaultPolicy}.
 *
 * <p>Why a platform thread of its own: faulting threads are blocked in the kernel until this
 * thread answers, so it must never wait behind unrelated work (no shared pool, no virtual-thread
 * carrier it could be unmounted from), and it must never touch guest memory itself. Between
 * reading a message and resolving it, it allocates nothing beyond the decoded page index.
 */
public final class FaultLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FaultLoop.class.getName());

    /**
     * @param batch          messages read per read(2)
     * @param prefetchWindow evicted neighbours (each side) refilled with a refault; 0 = off
     * @param settleTimeout  longest wait for a page being punched or refilled elsewhere
     * @param cpuMask        CPUs the loop thread is pinned to (0 = not pinned). A handler on the
     *                       faulting vCPU's CPU answers ~3x faster than one woken on another CPU
     *                       (stock-kernel-tracking.md Q3: 5 vs 15 µs on this kind of VM)
     */
    public record Config(int batch, int prefetchWindow, Duration settleTimeout, long cpuMask) {
        public static Config defaults() {
            return new Config(64, 8, Duration.ofSeconds(10), 0);
        }

        public Config withPrefetchWindow(int w) {
            return new Config(batch, w, settleTimeout, cpuMask);
        }

        public Config withCpuMask(long mask) {
            return new Config(batch, prefetchWindow, settleTimeout, mask);
        }
    }

    private record Deferred(long address, long flags, long readNanos) {}

    private final GuestMemory memory;
    private final FaultMetrics metrics;
    private final Config config;
    private final Refaulter refaulter;
    private final PrefetchLedger prefetch;
    private final UffdEventBuffer buffer;
    private final ArrayDeque<Deferred> deferred = new ArrayDeque<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private volatile Throwable failure;
    private volatile FaultListener listener = FaultListener.NONE;

    public FaultLoop(GuestMemory memory, PageTier tier, FaultMetrics metrics, Config config, String name) {
        this.memory = memory;
        this.metrics = metrics;
        this.config = config;
        this.refaulter = new Refaulter(memory, tier, metrics);
        this.prefetch = new PrefetchLedger(memory.regions().size(), metrics);
        this.buffer = new UffdEventBuffer(config.batch());
        this.thread = Thread.ofPlatform().name("uffd-fault-loop-" + name).daemon(true).unstarted(this::run);
    }

    public FaultLoop start() {
        if (running.compareAndSet(false, true)) {
            thread.start();
        }
        return this;
    }

    /** Replaces the listener told about resolved faults (see FaultListener's threading rule). */
    public void listener(FaultListener l) {
        this.listener = l == null ? FaultListener.NONE : l;
    }

    public PrefetchLedger prefetchLedger() {
        return prefetch;
    }

    /** The error that stopped the loop, if any (a stopped loop means faults hang: alert on it). */
    public Throwable failure() {
        return failure;
    }

    public boolean alive() {
        return thread.isAlive();
    }

    private void run() {
        Userfaultfd uffd = memory.uffd();
        try {
            if (config.cpuMask() != 0) {
                io.coldtier.linux.Libc.setAffinity(config.cpuMask());
            }
            while (running.get()) {
                int n = uffd.readBlocking(buffer, 50);
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    metrics.messages.increment();
                    if (buffer.event(i) == UffdEvent.EVENT_PAGEFAULT) {
                        handle(buffer.address(i), buffer.flags(i), now);
                    } else {
                        other(buffer.decode(i));
                    }
                }
                retryDeferred();
            }
        } catch (Throwable t) {
            failure = t;
            LOG.log(Level.SEVERE, "fault loop stopped: faulting guest threads will hang", t);
        } finally {
            stopped.countDown();
        }
    }

    private void retryDeferred() {
        for (int k = deferred.size(); k > 0; k--) {
            Deferred d = deferred.poll();
            handle(d.address(), d.flags(), d.readNanos());
        }
    }

    private void handle(long address, long flags, long readNanos) {
        GuestRegion r = memory.regionOf(address);
        if (r == null) {
            // Not guest memory we know: never leave the thread asleep.
            memory.uffd().wake(address & -4096L, 4096);
            return;
        }
        long page = r.pageOf(address);
        FaultAction action;
        // Decide and act atomically with respect to the executor: without the page's monitor, a
        // page seen RESIDENT could be frozen (or seen FROZEN could start punching) before our
        // unprotect/zero-fill lands, letting a write through right before its hole is punched.
        synchronized (r.states().monitor(page)) {
            action = FaultPolicy.decide(r.states().get(page), flags);
            if (actUnderLock(action, r, page, address, flags, readNanos)) {
                return;
            }
        }
        switch (action) {
            case REFAULT -> refault(r, page, readNanos, address, flags);
            case AWAIT_SETTLED -> {
                awaitSettled(r, page);
                handle(address, flags, readNanos);
            }
            default -> throw new AssertionError(action);
        }
    }

    /** Performs the quick actions; returns false for the ones that must run without the monitor. */
    private boolean actUnderLock(FaultAction action, GuestRegion r, long page, long address, long flags,
                                 long readNanos) {
        long pageAddr = r.pageAddress(page);
        long size = r.pageSize();
        Userfaultfd uffd = memory.uffd();
        switch (action) {
            case ZERO_FILL -> zeroFill(pageAddr, size, address, flags, readNanos);
            case CANCEL_AND_ZERO_FILL -> {
                cancel(r, page);
                zeroFill(pageAddr, size, address, flags, readNanos);
            }
            case CANCEL_AND_UNPROTECT -> {
                cancel(r, page);
                unprotect(pageAddr, size);
            }
            case CANCEL_AND_RESOLVE_RWP -> {
                cancel(r, page);
                uffd.rwProtect(pageAddr, size, 0);
            }
            case CANCEL_AND_CONTINUE -> {
                cancel(r, page);
                uffd.continueMapping(pageAddr, size, 0);
            }
            case WAKE -> {
                metrics.wakes.increment();
                uffd.wake(pageAddr, size);
            }
            case WAKE_POISONED -> {
                // A poisoned PTE never reaches userfaultfd: this fault proves the poison marker is missing (the
                // UFFDIO_POISON was refused, e.g. by a uffd-wp marker). Install it, then the thread takes its SIGBUS.
                metrics.wakes.increment();
                refaulter.ensurePoisoned(r, page, 0);
            }
            case UNPROTECT -> unprotect(pageAddr, size);
            case RESOLVE_RWP -> uffd.rwProtect(pageAddr, size, 0);
            case CONTINUE -> uffd.continueMapping(pageAddr, size, 0);
            case REFAULT, AWAIT_SETTLED -> {
                return false;
            }
        }
        return true;
    }

    private void cancel(GuestRegion r, long page) {
        // Under the page's monitor the state is still FROZEN (or CANCELLED): this cannot fail.
        if (!r.states().cancel(page)) {
            throw new IllegalStateException("page " + page + " left FROZEN under its monitor");
        }
        metrics.cancels.increment();
        listener.trapped(r.index(), page);
    }

    private void unprotect(long pageAddr, long size) {
        metrics.unprotects.increment();
        memory.uffd().writeProtect(pageAddr, size, false, false);
    }

    private void zeroFill(long pageAddr, long size, long address, long flags, long readNanos) {
        var out = memory.uffd().zeropage(pageAddr, size, 0);
        if (!out.done()) {
            metrics.retries.increment();
            deferred.add(new Deferred(address, flags, readNanos));
            return;
        }
        if (out instanceof io.coldtier.linux.CopyOutcome.AlreadyPresent) {
            memory.uffd().wake(pageAddr, size);
        }
        metrics.zeroFills.increment();
    }

    private void awaitSettled(GuestRegion r, long page) {
        try {
            r.states().awaitSettled(page, config.settleTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for page " + page, e);
        }
    }

    private void refault(GuestRegion r, long page, long readNanos, long address, long flags) {
        Refaulter.Result res;
        try {
            res = refaulter.refault(r, page, 0);
        } catch (RuntimeException e) {
            // The tier is unreachable (tier-store restarting, network): the page stays EVICTED and
            // the thread stays blocked; retry after the next read instead of ending the loop,
            // which would leave every later fault hanging for good.
            metrics.tierErrors.increment();
            if (metrics.tierErrors.sum() % 1000 == 1) {
                LOG.log(Level.WARNING, "refault of page " + page + " failed, will retry: " + e, e);
            }
            deferred.add(new Deferred(address, flags, readNanos));
            return;
        }
        switch (res) {
            case FILLED -> {
                // Taken after UFFDIO_COPY returned: with the handler on the faulting thread's CPU
                // the woken thread may run first, so this can include a slice of guest time.
                long latency = System.nanoTime() - readNanos;
                metrics.recordRefault(latency);
                int prefetched = prefetchAround(r, page);
                listener.refaulted(r.index(), page, r.states().version(page), latency, prefetched);
            }
            case RETRY -> {
                metrics.retries.increment();
                deferred.add(new Deferred(address, flags, readNanos));
            }
            case POISONED -> {
                var p = metrics.poisoned.isEmpty() ? null : metrics.poisoned.getLast();
                listener.poisoned(r.index(), page, r.states().version(page), p == null ? "poisoned" : p.reason());
            }
            case NOT_MINE -> handle(address, flags, readNanos); // a restore got there first
        }
    }

    /** Refills evicted neighbours with COPY(DONTWAKE), then one WAKE for all of them. */
    private int prefetchAround(GuestRegion r, long page) {
        int w = config.prefetchWindow();
        if (w <= 0) {
            return 0;
        }
        int count = 0;
        long lo = Long.MAX_VALUE;
        long hi = -1;
        long first = Math.max(0, page - w);
        long last = Math.min(r.pages() - 1, page + w);
        for (long p = first; p <= last; p++) {
            if (p == page || r.states().get(p) != PageState.EVICTED) {
                continue;
            }
            Refaulter.Result res;
            try {
                res = refaulter.refault(r, p, Userfaultfd.COPY_MODE_DONTWAKE);
            } catch (RuntimeException e) {
                metrics.tierErrors.increment();
                break; // prefetch is best effort: the tier is struggling, stop here
            }
            if (res == Refaulter.Result.FILLED) {
                prefetch.prefetched(r.index(), p);
                count++;
                lo = Math.min(lo, p);
                hi = Math.max(hi, p);
            }
        }
        if (hi >= 0) {
            memory.uffd().wake(r.pageAddress(lo), (hi - lo + 1) * r.pageSize());
        }
        return count;
    }

    private void other(UffdEvent e) {
        // The zap and rwp registrations enable no non-fault events (EVENT_REMOVE would block every
        // MADV_DONTNEED arm), so these only come from a VMM that negotiated them itself.
        switch (e) {
            case UffdEvent.Fork f -> io.coldtier.linux.OwnedFd.adopt(f.uffd(), "forked uffd").close();
            case UffdEvent.Remove rm -> LOG.warning("uffd REMOVE " + rm + ": evicted pages in it stay in the tier");
            case UffdEvent.Unmap um -> LOG.warning("uffd UNMAP " + um + ": region no longer mapped by the VMM");
            case UffdEvent.Remap rp -> LOG.warning("uffd REMAP " + rp + ": not supported, tracking of the range stops");
            case UffdEvent.Pagefault pf -> throw new AssertionError(pf);
        }
    }

    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            try {
                if (!stopped.await(5, TimeUnit.SECONDS)) {
                    LOG.warning("fault loop did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            buffer.close();
            refaulter.close();
        }
    }
}
