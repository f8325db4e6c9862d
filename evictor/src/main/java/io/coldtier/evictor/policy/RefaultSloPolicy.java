package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;
import org.roaringbitmap.RoaringBitmap;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code refault-slo:target=<x>%/min[,min=<T>][,max=<T>]}: evict pages idle for at least T scans,
 * adapting T within {@code [min, max]} so that refaults per minute stay below {@code x} % of the
 * working set. Google's far-memory SLO (Lagar-Cavilla et al., ASPLOS '19) uses 0.2 %/min of promotions.
 *
 * <p>Control rule, evaluated after every applied scan of the VM, with {@code now} = the scan's
 * event time, {@code ws} = the VM's working set (pages accessed in the last scan of each region)
 * and {@code budget = x/100 × ws} refaults per minute:
 * <ol>
 *   <li><b>Raise fast.</b> If the refaults counted while the current T has been in force (within the
 *       last minute) already exceed {@code budget}, raise T by half, at least by one:
 *       {@code T ← min(max, T + max(1, T/2))}. Charging T only for refaults since it took effect
 *       keeps the minute-long window from raising it again and again for the same burst.</li>
 *   <li><b>Lower slowly.</b> If T has been in force for a full minute and the last minute's refaults
 *       are under half the budget, lower it by one: {@code T ← max(min, T - 1)}. At most one step
 *       per minute, because a lower T only shows its refaults after the newly evicted pages are
 *       touched again.</li>
 *   <li>Otherwise (between half and all of the budget) keep T: the hysteresis band stops it from
 *       oscillating.</li>
 * </ol>
 * T starts at {@code max} (conservative) when the VM's first scan is seen. Refault counts come from
 * event times at one-second granularity; no wall clock is read, so replays decide identically.
 */
public final class RefaultSloPolicy implements EvictionPolicy {
    public static final String NAME = "refault-slo";
    private static final long MINUTE_MICROS = 60_000_000L;
    private static final String TARGET_FORM = "target=<percent>%/min";
    private static final String MIN_FORM = "min=<1.." + RegionAges.MAX_AGE + ">";
    private static final String MAX_FORM = "max=<1.." + RegionAges.MAX_AGE + ">";
    static final PolicyFactory FACTORY = new PolicyFactory(NAME,
            NAME + ":" + TARGET_FORM + "[," + MIN_FORM + "][," + MAX_FORM + "]", RefaultSloPolicy::parse);
    private static final Pattern TARGET = Pattern.compile("([0-9]*\\.?[0-9]+)%/min");
    private static final int DEFAULT_MIN = 1;
    private static final int DEFAULT_MAX = 64;

    private final BigDecimal targetPercent;
    private final double target;
    private final int min;
    private final int max;
    private int threshold;
    private long inForceSinceMicros;
    private boolean started;

    /**
     * @param targetPercent refaults per minute allowed, in percent of the working set (0 < x <= 100)
     * @param min           lowest T (most aggressive), at least 1
     * @param max           highest T (most conservative), at most {@link RegionAges#MAX_AGE}
     */
    public RefaultSloPolicy(BigDecimal targetPercent, int min, int max) {
        if (targetPercent.signum() <= 0 || targetPercent.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException("target must be in (0, 100] %/min, got " + targetPercent);
        }
        if (min < 1 || max > RegionAges.MAX_AGE || min > max) {
            throw new IllegalArgumentException("need 1 <= min <= max <= " + RegionAges.MAX_AGE
                    + ", got min=" + min + ", max=" + max);
        }
        this.targetPercent = targetPercent.stripTrailingZeros();
        this.target = targetPercent.doubleValue() / 100.0;
        this.min = min;
        this.max = max;
        this.threshold = max;
    }

    private static RefaultSloPolicy parse(PolicySpec spec) {
        spec.allowOnly(Map.of("target", TARGET_FORM, "min", MIN_FORM, "max", MAX_FORM));
        String value = spec.required("target", TARGET_FORM);
        Matcher m = TARGET.matcher(value);
        BigDecimal percent = m.matches() ? new BigDecimal(m.group(1)) : BigDecimal.ZERO;
        if (percent.signum() <= 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw spec.badValue("target", "a rate like 0.2%/min (above 0, at most 100%/min)", value);
        }
        int min = spec.intParam("min", 1, RegionAges.MAX_AGE, DEFAULT_MIN);
        int max = spec.intParam("max", 1, RegionAges.MAX_AGE, DEFAULT_MAX);
        if (min > max) {
            throw spec.error("parameter 'min' (" + min + ") must not exceed 'max' (" + max + ")");
        }
        return new RefaultSloPolicy(percent, min, max);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String spec() {
        return NAME + ":target=" + targetPercent.toPlainString() + "%/min,min=" + min + ",max=" + max;
    }

    /** The current idle threshold T. */
    public int threshold() {
        return threshold;
    }

    @Override
    public Decision decide(VmView vm, int region, ScanInput scan) {
        long now = scan.scannedAtMicros();
        String adjustment = adapt(vm, now);
        RegionAges ages = vm.region(region);
        RoaringBitmap victims = ages.idleAtLeast(threshold);
        String reason = String.format(Locale.ROOT,
                "T=%d%s: refaults %.3f%%/min of a %d-page working set vs target %s%%/min; %d pages idle >= T",
                threshold, adjustment, vm.refaultRatePerMinute(now) * 100, vm.workingSetPages(),
                targetPercent.toPlainString(), victims.getCardinality());
        return Decision.evict(NAME, victims, threshold, reason, ages);
    }

    /** Applies the control rule of the class comment; returns a note for the reason if T moved. */
    private String adapt(VmView vm, long now) {
        if (!started) {
            started = true;
            inForceSinceMicros = now;
            return "";
        }
        double budget = target * Math.max(1L, vm.workingSetPages());
        long charged = vm.refaultsBetween(Math.max(now - MINUTE_MICROS, inForceSinceMicros), now);
        int before = threshold;
        if (charged > budget) {
            threshold = Math.min(max, threshold + Math.max(1, threshold / 2));
        } else if (now - inForceSinceMicros >= MINUTE_MICROS
                && vm.refaultsBetween(now - MINUTE_MICROS, now) < budget / 2) {
            threshold = Math.max(min, threshold - 1);
        }
        if (threshold == before) {
            return "";
        }
        inForceSinceMicros = now;
        return " (was " + before + ")";
    }
}
