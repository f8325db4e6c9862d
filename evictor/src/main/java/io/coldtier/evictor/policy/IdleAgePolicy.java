package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;
import org.roaringbitmap.RoaringBitmap;

import java.util.Map;

/**
 * {@code idle-age:cycles=N}: evict every resident page not accessed for at least N scans. This is
 * the kstaled rule behind Google's far memory (a page is cold once idle for a fixed number of scan
 * periods); it has no budget, so the scan interval times N is the idle time that counts as cold.
 */
public final class IdleAgePolicy implements EvictionPolicy {
    public static final String NAME = "idle-age";
    private static final String FORM = "cycles=<1.." + RegionAges.MAX_AGE + ">";
    static final PolicyFactory FACTORY = new PolicyFactory(NAME, NAME + ":" + FORM, spec -> {
        spec.allowOnly(Map.of("cycles", FORM));
        spec.required("cycles", FORM);
        return new IdleAgePolicy(spec.intParam("cycles", 1, RegionAges.MAX_AGE, 0));
    });

    private final int cycles;

    public IdleAgePolicy(int cycles) {
        // Age 0 means "accessed in the last scan": such a page is never idle.
        if (cycles < 1 || cycles > RegionAges.MAX_AGE) {
            throw new IllegalArgumentException("cycles must be in 1.." + RegionAges.MAX_AGE + ", got " + cycles);
        }
        this.cycles = cycles;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String spec() {
        return NAME + ":cycles=" + cycles;
    }

    @Override
    public Decision decide(VmView vm, int region, ScanInput scan) {
        RegionAges ages = vm.region(region);
        RoaringBitmap victims = ages.idleAtLeast(cycles);
        String reason = "idle >= " + cycles + " scans: " + victims.getCardinality() + " of "
                + ages.residentCount() + " resident pages";
        return Decision.evict(NAME, victims, cycles, reason, ages);
    }
}
