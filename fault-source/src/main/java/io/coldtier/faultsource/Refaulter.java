package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.FetchedPage;
import io.coldtier.faultsource.tier.PageKey;
import io.coldtier.faultsource.tier.PageTier;
import io.coldtier.linux.CopyOutcome;
import io.coldtier.linux.Userfaultfd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

/**
 * Brings evicted pages back: fetch from the tier, verify version and checksum, then
 * UFFDIO_COPY (or ZEROPAGE for zero pages). A copy that fails verification is never mapped:
 * the page is UFFDIO_POISONed and reported. Used by the fault loop and by restore-on-shutdown;
 * each caller owns one Refaulter (its scratch buffer is not shared).
 */
public final class Refaulter implements AutoCloseable {
    /** Result of one attempt. */
    public enum Result { FILLED, RETRY, POISONED, NOT_MINE }

    private final GuestMemory memory;
    private final PageTier tier;
    private final FaultMetrics metrics;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch;
    private final AtomicBoolean open = new AtomicBoolean(true);

    public Refaulter(GuestMemory memory, PageTier tier, FaultMetrics metrics) {
        this.memory = memory;
        this.tier = tier;
        this.metrics = metrics;
        long maxPage = memory.regions().stream().mapToLong(GuestRegion::pageSize).max().orElse(4096);
        this.scratch = arena.allocate(maxPage, 4096);
    }

    /**
     * Refills {@code page} of {@code r} if it is EVICTED (claiming it first, so the fault loop and
     * a restore never fill the same page twice). {@code mode} is 0 (wake) or COPY_MODE_DONTWAKE.
     */
    public Result refault(GuestRegion r, long page, long mode) {
        PageStates states = r.states();
        if (!states.beginRefault(page)) {
            return Result.NOT_MINE;
        }
        try {
            Result res = fill(r, page, mode);
            switch (res) {
                case FILLED -> states.endRefault(page);
                case RETRY -> states.abortRefault(page);
                case POISONED -> {
                    // Record first: the poison wakes the faulting thread, and whoever watches it
                    // (a test, an operator) must already see why it died.
                    states.poisoned(page);
                    ensurePoisoned(r, page, mode);
                }
                case NOT_MINE -> throw new AssertionError();
            }
            return res;
        } catch (RuntimeException e) {
            states.abortRefault(page); // leave it EVICTED: the copy is still in the tier
            throw e;
        }
    }

    private Result fill(GuestRegion r, long page, long mode) {
        long addr = r.pageAddress(page);
        long size = r.pageSize();
        long expected = r.states().version(page);
        PageKey key = new PageKey(r.index(), page);
        FetchedPage f = tier.fetch(key, scratch);
        String bad = null;
        if (f == null) {
            bad = "tier has no copy of version " + expected;
        } else if (f.version() != expected) {
            bad = "tier returned version " + f.version() + ", expected " + expected;
        } else if (!f.zero() && crc32c(scratch, size) != f.checksum()) {
            bad = "checksum mismatch (stored 0x" + Integer.toHexString(f.checksum()) + ")";
        }
        Userfaultfd uffd = memory.uffd();
        if (bad != null) {
            metrics.poisoned.add(new FaultMetrics.Poisoned(r.index(), page, bad));
            return Result.POISONED; // the caller poisons the page after recording the state
        }
        CopyOutcome out = f.zero() ? uffd.zeropage(addr, size, mode & Userfaultfd.ZEROPAGE_MODE_DONTWAKE)
                : uffd.copy(addr, scratch.address(), size, mode);
        return switch (out) {
            case CopyOutcome.Copied c -> Result.FILLED;
            case CopyOutcome.AlreadyPresent a -> {
                // Filled by someone else's path (cannot happen while we hold REFAULTING, but the
                // kernel's word is final): make sure no thread stays asleep on it.
                if (mode == 0) {
                    uffd.wake(addr, size);
                }
                yield Result.FILLED;
            }
            case CopyOutcome.RetryLater rl -> Result.RETRY;
        };
    }

    /**
     * Installs the poison marker of a POISONED page, so the next access takes its SIGBUS instead of faulting again.
     * UFFDIO_POISON refuses any PTE that is not none, a uffd-wp marker included: exactly what an eviction's freeze
     * leaves on a page it punched until its thaw (the end of the whole eviction), and what an arm leaves on a frozen
     * page it zapped. Without the poison, every wake sends the thread into the same fault, forever (a fault-loop
     * wake storm with the guest spinning in its access). So the write protection of the page is dropped first (its
     * contents are lost anyway; the executor never punches a page that is not FROZEN) and the poison retried.
     * A page still refusing the poison is mapped (present): its thread is woken, as before.
     *
     * @param mode 0 (wake the faulting thread) or {@link Userfaultfd#POISON_MODE_DONTWAKE}
     */
    public void ensurePoisoned(GuestRegion r, long page, long mode) {
        Userfaultfd uffd = memory.uffd();
        long addr = r.pageAddress(page);
        long size = r.pageSize();
        long m = mode & Userfaultfd.POISON_MODE_DONTWAKE;
        CopyOutcome out = uffd.poison(addr, size, m);
        if (out instanceof CopyOutcome.AlreadyPresent) {
            try {
                uffd.writeProtect(addr, size, false, true); // clears a uffd-wp marker; wakes nobody yet
                out = uffd.poison(addr, size, m);
            } catch (RuntimeException e) {
                // e.g. a registration without WP (rwp backend): no uffd-wp marker to clear; wake as before
            }
        }
        if (!(out instanceof CopyOutcome.Copied) && m == 0) {
            uffd.wake(addr, size);
        }
    }

    static int crc32c(MemorySegment page, long size) {
        CRC32C crc = new CRC32C();
        crc.update(page.asSlice(0, size).asByteBuffer());
        return (int) crc.getValue();
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            arena.close();
        }
    }
}
