package io.coldtier.evictor;

import io.coldtier.evictor.policy.Decision;
import io.coldtier.evictor.policy.EvictionPolicy;
import io.coldtier.evictor.policy.RegionAges;
import io.coldtier.evictor.policy.VmView;
import org.roaringbitmap.RoaringBitmap;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything the evictor knows about one VM: its regions' {@link PageAges}, its refault counters and
 * the policy instance chosen for it. A region's state is created by its first scan (which carries the
 * region size); faults for a region not scanned yet are counted and otherwise ignored, since nothing
 * is known about its pages. Not thread-safe.
 */
public final class VmState implements VmView {
    private final String vmId;
    private final EvictionPolicy policy;
    // Sorted so that anything iterating regions does so in the same order on every replay.
    private final TreeMap<Integer, PageAges> regions = new TreeMap<>();
    private final RefaultWindow refaultWindow = new RefaultWindow();
    private long refaults;
    private long refaultsOpenCycle;
    private long refaultsLastCycle;
    private long poisonEvents;
    private long faultsBeforeFirstScan;
    private Decision lastDecision;

    public VmState(String vmId, EvictionPolicy policy) {
        ScanInput.requireVmId(vmId);
        this.vmId = vmId;
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * Applies a scan to its region's ages (creating the region on its first scan) and closes the
     * current refault cycle window.
     *
     * @return false if the scan was a duplicate or older than the region's last one (no change)
     */
    public boolean observe(ScanInput scan) {
        requireThisVm(scan.vmId());
        PageAges ages = regions.get(scan.region());
        if (ages == null) {
            ages = new PageAges(scan.region(), (int) scan.pages(), scan.pageSize());
            regions.put(scan.region(), ages);
        }
        if (!ages.observe(scan)) {
            return false;
        }
        int revealed = ages.lastScanRefaults();
        if (revealed > 0) {
            countRefaults(scan.scannedAtMicros(), revealed);
        }
        refaultsLastCycle = refaultsOpenCycle;
        refaultsOpenCycle = 0;
        return true;
    }

    /**
     * Applies a fault. REFAULT, TRAP and PREFETCH make the page resident with age 0 (a trapped write
     * cancelled its eviction; a prefetched page gets a fresh chance before it is named again). Only a
     * REFAULT of a page believed evicted counts towards the refault rate, so a duplicate event, or
     * one whose access the scan already revealed, is not counted twice. POISON keeps the page out of
     * the candidate set.
     *
     * @throws IllegalArgumentException if the page is outside its region (nothing changes)
     */
    public void onFault(FaultInput fault) {
        requireThisVm(fault.vmId());
        PageAges ages = regions.get(fault.region());
        if (ages == null) {
            faultsBeforeFirstScan++;
            return;
        }
        switch (fault.kind()) {
            case REFAULT -> {
                if (ages.refaulted(fault.page())) {
                    countRefaults(fault.atMicros(), 1);
                }
            }
            case TRAP, PREFETCH -> ages.refaulted(fault.page());
            case POISON -> {
                ages.poisoned(fault.page());
                poisonEvents++;
            }
        }
    }

    private void countRefaults(long atMicros, long n) {
        refaults += n;
        refaultsOpenCycle += n;
        refaultWindow.add(atMicros, n);
    }

    /** The mutable ages of a region, for the engine; policies get {@link #region(int)}. */
    public PageAges pageAges(int region) {
        PageAges ages = regions.get(region);
        if (ages == null) {
            throw new IllegalArgumentException(vmId + " has no region " + region + " yet (no scan seen)");
        }
        return ages;
    }

    public EvictionPolicy policy() {
        return policy;
    }

    /** The policy's last decision for this VM, with its reason, for logs and analytics. */
    public Optional<Decision> lastDecision() {
        return Optional.ofNullable(lastDecision);
    }

    void recordDecision(Decision decision) {
        lastDecision = decision;
    }

    /** POISON events seen (duplicates included). */
    public long poisonEvents() {
        return poisonEvents;
    }

    /** Faults that arrived for a region before its first scan and were therefore not applied. */
    public long faultsBeforeFirstScan() {
        return faultsBeforeFirstScan;
    }

    @Override
    public String vmId() {
        return vmId;
    }

    @Override
    public List<Integer> regions() {
        return List.copyOf(regions.keySet());
    }

    @Override
    public RegionAges region(int region) {
        return pageAges(region);
    }

    @Override
    public long workingSetPages() {
        long sum = 0;
        for (PageAges ages : regions.values()) {
            sum += ages.accessedCount();
        }
        return sum;
    }

    @Override
    public long residentPages() {
        long sum = 0;
        for (PageAges ages : regions.values()) {
            sum += ages.residentCount();
        }
        return sum;
    }

    @Override
    public long residentBytes() {
        long sum = 0;
        for (PageAges ages : regions.values()) {
            sum += ages.residentCount() * ages.pageSize();
        }
        return sum;
    }

    @Override
    public long evictedPages() {
        long sum = 0;
        for (PageAges ages : regions.values()) {
            sum += ages.evictedCount();
        }
        return sum;
    }

    /** Resident pages as the agent last reported them, summed over regions (its truth). */
    public long reportedResidentPages() {
        long sum = 0;
        for (PageAges ages : regions.values()) {
            sum += ages.reportedResident();
        }
        return sum;
    }

    @Override
    public long refaults() {
        return refaults;
    }

    @Override
    public long refaultsLastCycle() {
        return refaultsLastCycle;
    }

    @Override
    public long refaultsBetween(long afterMicros, long untilMicros) {
        return refaultWindow.between(afterMicros, untilMicros);
    }

    private void requireThisVm(String other) {
        if (!vmId.equals(other)) {
            throw new IllegalArgumentException("event for " + other + " applied to the state of " + vmId);
        }
    }
}
