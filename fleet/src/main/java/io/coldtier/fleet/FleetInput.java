package io.coldtier.fleet;

import io.coldtier.schemas.avro.EvictCommand;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import org.apache.avro.specific.SpecificRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * The records a fleet analysis reads: registrations ({@code coldtier.vms}), scans, faults and evict commands, in any
 * order (the analysis sorts them). Mutable while it is filled by one thread ({@link #add}), then handed over.
 */
public final class FleetInput {
    private final List<VmRegistration> registrations = new ArrayList<>();
    private final List<ScanResult> scans = new ArrayList<>();
    private final List<FaultEvent> faults = new ArrayList<>();
    private final List<EvictCommand> evictions = new ArrayList<>();
    private long ignored;

    /** Keeps a record of a type the analysis uses; counts and drops any other. */
    public FleetInput add(SpecificRecord r) {
        switch (r) {
            case VmRegistration v -> registrations.add(v);
            case ScanResult s -> scans.add(s);
            case FaultEvent f -> faults.add(f);
            case EvictCommand e -> evictions.add(e);
            default -> ignored++;
        }
        return this;
    }

    public List<VmRegistration> registrations() {
        return registrations;
    }

    public List<ScanResult> scans() {
        return scans;
    }

    public List<FaultEvent> faults() {
        return faults;
    }

    public List<EvictCommand> evictions() {
        return evictions;
    }

    /** Records of other types that were passed to {@link #add}. */
    public long ignored() {
        return ignored;
    }
}
