package io.coldtier.evictor;

import io.coldtier.evictor.policy.Decision;
import io.coldtier.evictor.policy.EvictionPolicy;
import io.coldtier.evictor.policy.Policies;
import org.roaringbitmap.RoaringBitmap;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The evictor's pure engine: scans and faults in, eviction commands out. No I/O, no clock, no
 * randomness, so the same event stream fed from the beginning rebuilds the same state and emits the
 * same commands (with the same ids); that is how the service recovers after a restart and how the
 * replay simulator compares policies offline.
 *
 * <p>Single-threaded by contract: the service partitions VMs across consumers and calls one engine
 * from one thread; nothing here is synchronised.
 */
public final class Evictor {
    private final PolicyConfig config;
    // Lookup only: nothing iterates this map in a way that could affect a decision.
    private final Map<String, VmState> vms = new HashMap<>();

    public Evictor(PolicyConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Applies a scan and asks the VM's policy what to evict from that region.
     *
     * @return the command, or empty if the scan was a duplicate / older than the region's last one,
     *         or the policy chose nothing
     * @throws IllegalArgumentException if the scan contradicts the region's known size
     */
    public Optional<Command> onScan(ScanInput scan) {
        VmState vm = vmState(scan.vmId());
        if (!vm.observe(scan)) {
            return Optional.empty();
        }
        EvictionPolicy policy = vm.policy();
        Decision decision = policy.decide(vm, scan.region(), scan);
        vm.recordDecision(decision);
        PageAges ages = vm.pageAges(scan.region());
        // A policy may only name resident pages of this region; anything else is dropped here so a
        // buggy policy cannot corrupt the counts.
        RoaringBitmap pages = ages.residentOf(decision.victims());
        if (pages.isEmpty()) {
            return Optional.empty();
        }
        int[] evidence = pages.equals(decision.victims()) ? decision.victimAges() : ages.histogramOf(pages);
        ages.markEvicted(pages);
        return Optional.of(new Command(scan.vmId(), scan.region(), scan.cycle(),
                Command.idOf(scan.vmId(), scan.region(), scan.cycle()), policy.name(), pages, evidence));
    }

    /**
     * Applies a fault event; see {@link VmState#onFault} for what each kind does.
     *
     * @throws IllegalArgumentException if the page is outside its region (nothing changes)
     */
    public void onFault(FaultInput fault) {
        vmState(fault.vmId()).onFault(fault);
    }

    /** The policy instance bound to this VM (created from the config on first use, then kept). */
    public EvictionPolicy policyFor(String vmId) {
        return vmState(vmId).policy();
    }

    /** A VM's state (policies get it as a read-only {@code VmView}), if any event for it was seen. */
    public Optional<VmState> vm(String vmId) {
        return Optional.ofNullable(vms.get(vmId));
    }

    /** VMs seen so far, sorted. */
    public SortedSet<String> vmIds() {
        return new TreeSet<>(vms.keySet());
    }

    public PolicyConfig config() {
        return config;
    }

    private VmState vmState(String vmId) {
        VmState vm = vms.get(vmId);
        if (vm == null) {
            ScanInput.requireVmId(vmId);
            vm = new VmState(vmId, Policies.create(config.specFor(vmId)));
            vms.put(vmId, vm);
        }
        return vm;
    }
}
