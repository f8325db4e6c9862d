package io.coldtier.scanner;

import io.coldtier.faultsource.FreezeControl;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.Libc;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.OwnedFd;
import io.coldtier.linux.PageRun;
import io.coldtier.linux.PagemapScan;
import io.coldtier.linux.TrackingBackend;
import org.roaringbitmap.RoaringBitmap;

import java.util.List;

/**
 * The stock-kernel backend (≥ 6.7, shmem/memfd or hugetlbfs): arm by zapping the PTEs while the
 * page cache keeps the data, hot scan = PAGEMAP_SCAN(PAGE_IS_PRESENT) (exact per page because the
 * WP registration switches fault-around off), freeze victims with UFFDIO_WRITEPROTECT.
 *
 * <p>Arming in-process uses MADV_DONTNEED. From outside the VMM it uses process_madvise(
 * MADV_PAGEOUT), which is best effort: it skips pages still sitting in another CPU's LRU-add batch
 * (stock-kernel-tracking.md Q7). So the remote arm re-scans and retries what stayed mapped, hopping
 * CPUs between tries; pages that still stay mapped are remembered and reported as accessed by the
 * next scan (conservative: never evict what we could not watch).
 */
public final class ZapTracker implements Tracker {
    static final int REMOTE_ARM_TRIES = 6;

    private final GuestMemory memory;
    private final PagemapScan scan;
    private final OwnedFd pidfd;
    private final RoaringBitmap[] unarmed;
    private long lastUnarmed;

    public ZapTracker(GuestMemory memory) {
        this.memory = memory;
        this.scan = memory.local() ? PagemapScan.self() : PagemapScan.of(memory.pid());
        this.pidfd = memory.local() ? null : Madvise.pidfdOpen(memory.pid());
        this.unarmed = new RoaringBitmap[memory.regions().size()];
        for (int i = 0; i < unarmed.length; i++) {
            unarmed[i] = new RoaringBitmap();
        }
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
        if (memory.local()) {
            Madvise.madvise(r.hostAddress(), r.size(), Madvise.MADV_DONTNEED);
            unarmed[r.index()] = new RoaringBitmap();
            return;
        }
        armRemote(r);
    }

    private void armRemote(GuestRegion r) {
        long[] starts = {r.hostAddress()};
        long[] lens = {r.size()};
        int count = 1;
        long cpus = Libc.getAffinity();
        int ncpu = Long.bitCount(cpus);
        RoaringBitmap still = new RoaringBitmap();
        try {
            for (int attempt = 0; attempt < REMOTE_ARM_TRIES; attempt++) {
                if (ncpu > 1) {
                    Libc.setAffinity(nthBit(cpus, attempt % ncpu));
                }
                Madvise.processMadvise(pidfd, starts, lens, count, Madvise.MADV_PAGEOUT);
                List<PageRun> left = scan.present(r.hostAddress(), r.hostAddress() + r.size());
                still = toPages(r, left);
                if (left.isEmpty()) {
                    break;
                }
                count = Math.min(left.size(), Madvise.IOV_MAX);
                starts = new long[count];
                lens = new long[count];
                for (int i = 0; i < count; i++) {
                    starts[i] = left.get(i).start();
                    lens[i] = left.get(i).end() - left.get(i).start();
                }
            }
        } finally {
            if (ncpu > 1) {
                Libc.setAffinity(cpus);
            }
        }
        unarmed[r.index()] = still;
        lastUnarmed = still.getLongCardinality();
    }

    private static long nthBit(long mask, int n) {
        long m = mask;
        for (int i = 0; i < n; i++) {
            m &= m - 1;
        }
        return Long.lowestOneBit(m);
    }

    /** Pages the last remote arm could not zap (reported as accessed by the next scan). */
    public long lastUnarmed() {
        return lastUnarmed;
    }

    @Override
    public void beginFreeze(GuestRegion r) {
        // The zap freeze covers only the victims, after the scan: see freezeControl().
    }

    @Override
    public RoaringBitmap hotScan(GuestRegion r) {
        RoaringBitmap hot = new RoaringBitmap();
        long base = r.hostAddress();
        long ps = r.pageSize();
        scan.scan(base, base + r.size(), PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT),
                (s, e, c) -> hot.add((s - base) / ps, (e - base) / ps));
        hot.or(unarmed[r.index()]);
        return hot;
    }

    private static RoaringBitmap toPages(GuestRegion r, List<PageRun> runs) {
        RoaringBitmap b = new RoaringBitmap();
        for (PageRun run : runs) {
            b.add((run.start() - r.hostAddress()) / r.pageSize(), (run.end() - r.hostAddress()) / r.pageSize());
        }
        return b;
    }

    @Override
    public FreezeControl freezeControl() {
        return FreezeControl.writeProtect(memory);
    }

    @Override
    public void resume(GuestRegion r) {
        // Thawing the victims is part of the eviction (FreezeControl.thaw).
    }

    @Override
    public String describe() {
        return "zap (MISSING|WP, arm by " + (memory.local() ? "MADV_DONTNEED" : "process_madvise(MADV_PAGEOUT) with re-scan")
                + ", freeze by UFFDIO_WRITEPROTECT, hot scan PAGE_IS_PRESENT)";
    }

    @Override
    public void close() {
        scan.close();
        if (pidfd != null) {
            pidfd.close();
        }
    }
}
