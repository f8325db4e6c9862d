package io.coldtier.scanner;

import io.coldtier.faultsource.FreezeControl;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.MissingKernelFeatureException;
import io.coldtier.linux.PagemapScan;
import io.coldtier.linux.TrackingBackend;
import io.coldtier.linux.UffdFeature;
import io.coldtier.linux.Userfaultfd;
import org.roaringbitmap.RoaringBitmap;

/**
 * The RWP backend, exactly the seed workflow of rwp-uapi.md §4: arm with UFFDIO_RWPROTECT(MODE_RWP)
 * while RWP_ASYNC is on (accesses resolve in the kernel, no messages), freeze with
 * UFFDIO_SET_MODE(disable RWP_ASYNC) before the scan (every later touch of a protected page traps
 * and waits), hot scan PAGE_IS_ACCESSED, evict, resume with SET_MODE(enable RWP_ASYNC). Traps are
 * resolved by the fault loop with UFFDIO_RWPROTECT(0) (FaultPolicy).
 *
 * <p>Everything else — the eviction protocol, the fault loop, the policy — is shared with zap.
 * It never degrades silently: construction fails, naming the bits, unless the uffd negotiated
 * UFFD_FEATURE_RWP and RWP_ASYNC.
 */
public final class RwpTracker implements Tracker {
    private final GuestMemory memory;
    private final PagemapScan scan;

    public RwpTracker(GuestMemory memory) {
        long have = memory.uffd().api().features();
        long need = UffdFeature.RWP | UffdFeature.RWP_ASYNC;
        if ((have & need) != need) {
            throw new MissingKernelFeatureException("the rwp tracking backend", need & ~have, have,
                    "use the zap backend");
        }
        this.memory = memory;
        this.scan = memory.local() ? PagemapScan.self() : PagemapScan.of(memory.pid());
    }

    @Override
    public TrackingBackend backend() {
        return TrackingBackend.RWP;
    }

    @Override
    public Registration registration() {
        return Registration.RWP;
    }

    @Override
    public void arm(GuestRegion r) {
        memory.uffd().rwProtect(r.hostAddress(), r.size(), Userfaultfd.RWPROTECT_MODE_RWP);
    }

    @Override
    public void beginFreeze(GuestRegion r) {
        memory.uffd().setMode(0, UffdFeature.RWP_ASYNC);
    }

    @Override
    public RoaringBitmap hotScan(GuestRegion r) {
        RoaringBitmap hot = new RoaringBitmap();
        long base = r.hostAddress();
        long ps = r.pageSize();
        scan.scan(base, base + r.size(), PagemapScan.Query.having(PagemapScan.PAGE_IS_ACCESSED),
                (s, e, c) -> hot.add((s - base) / ps, (e - base) / ps));
        return hot;
    }

    @Override
    public FreezeControl freezeControl() {
        return FreezeControl.NONE; // the whole uffd is in sync mode since beginFreeze
    }

    @Override
    public void resume(GuestRegion r) {
        memory.uffd().setMode(UffdFeature.RWP_ASYNC, 0); // also wakes leftover sync waiters
    }

    @Override
    public String describe() {
        return "rwp (RWP|MISSING, arm by UFFDIO_RWPROTECT, freeze by UFFDIO_SET_MODE, hot scan PAGE_IS_ACCESSED)";
    }

    @Override
    public void close() {
        scan.close();
    }
}
