package io.coldtier.evictor.policy;

import io.coldtier.evictor.ScanInput;
import org.roaringbitmap.RoaringBitmap;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code budget:resident=<P>%} or {@code budget:resident=<size>}: keep resident memory under a
 * target, evicting the coldest pages first (highest age first, lowest page index among equal ages).
 * Evicts nothing while under budget, and never a page accessed in the last scan (age 0), even if
 * that leaves the budget exceeded: evicting the working set would only turn it into refaults.
 *
 * <ul>
 *   <li>{@code P%} applies per region: each region keeps at most {@code floor(pages × P / 100)}
 *       pages resident.</li>
 *   <li>A size ({@code B}, {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}) is for the whole VM:
 *       a scan of one region evicts the VM's excess from that region, as far as its candidates
 *       allow. Only the scanned region is touched because only its ages were just refreshed.</li>
 * </ul>
 * "Resident" is the evictor's belief (pages not named in a command since their last access), so a
 * command in flight is not counted twice.
 */
public final class BudgetPolicy implements EvictionPolicy {
    public static final String NAME = "budget";
    private static final String FORM = "resident=<percent like 40%, or size like 512MiB>";
    static final PolicyFactory FACTORY = new PolicyFactory(NAME, NAME + ":" + FORM, spec -> {
        spec.allowOnly(Map.of("resident", FORM));
        return parse(spec, spec.required("resident", FORM));
    });
    private static final Pattern SIZE = Pattern.compile("(\\d+)(B|KiB|MiB|GiB|TiB)");
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};
    private static final long PPM = 1_000_000L;

    /** Share of each region's pages allowed resident, in parts per million; -1 for a byte budget. */
    private final long residentPpm;
    /** Resident bytes allowed for the whole VM; -1 for a percentage budget. */
    private final long residentBytes;

    private BudgetPolicy(long residentPpm, long residentBytes) {
        this.residentPpm = residentPpm;
        this.residentBytes = residentBytes;
    }

    /** At most {@code percent} % of each region's pages resident (up to four decimals). */
    public static BudgetPolicy ofPercent(BigDecimal percent) {
        if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0 || percent.scale() > 4) {
            throw new IllegalArgumentException("percent must be in 0..100 with at most 4 decimals, got " + percent);
        }
        // Integer parts-per-million keep page arithmetic exact: 40% of 10 pages is 4, not 3.9999.
        return new BudgetPolicy(percent.movePointRight(4).longValueExact(), -1);
    }

    /** At most {@code bytes} resident for the whole VM. */
    public static BudgetPolicy ofBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        }
        return new BudgetPolicy(-1, bytes);
    }

    private static BudgetPolicy parse(PolicySpec spec, String value) {
        String expected = "a percentage like 40% (0..100) or a size like 512MiB (units B, KiB, MiB, GiB, TiB)";
        try {
            if (value.endsWith("%")) {
                return ofPercent(new BigDecimal(value.substring(0, value.length() - 1)).stripTrailingZeros());
            }
            Matcher m = SIZE.matcher(value);
            if (m.matches()) {
                int unit = List.of(UNITS).indexOf(m.group(2));
                return ofBytes(Math.multiplyExact(Long.parseLong(m.group(1)), 1L << (10 * unit)));
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            // malformed number, out of range or overflow: one uniform message below
        }
        throw spec.badValue("resident", expected, value);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String spec() {
        return NAME + ":resident=" + (residentPpm >= 0 ? percentText() + "%" : sizeText(residentBytes));
    }

    @Override
    public Decision decide(VmView vm, int region, ScanInput scan) {
        RegionAges ages = vm.region(region);
        long excess;
        String budget;
        if (residentPpm >= 0) {
            long allowed = ages.pages() * residentPpm / PPM;
            excess = ages.residentCount() - allowed;
            budget = ages.residentCount() + " resident pages vs " + allowed + " allowed (" + percentText() + "%)";
        } else {
            long over = vm.residentBytes() - residentBytes;
            excess = over <= 0 ? 0 : Math.ceilDiv(over, ages.pageSize());
            budget = vm.residentBytes() + " resident bytes vs " + residentBytes + " allowed";
        }
        if (excess <= 0) {
            return Decision.none(NAME, 1, "under budget: " + budget);
        }
        int want = (int) Math.min(excess, ages.residentCount());
        RoaringBitmap victims = ages.coldest(want, 1);
        int[] evidence = ages.histogramOf(victims);
        int minAge = 1;
        while (minAge < evidence.length - 1 && evidence[minAge] == 0) {
            minAge++;
        }
        String shortfall = victims.getCardinality() < excess
                ? "; only " + victims.getCardinality() + " pages were idle, the rest were accessed last scan" : "";
        return new Decision(victims, minAge, "over budget by " + excess + " pages: " + budget + shortfall,
                NAME, evidence);
    }

    private String percentText() {
        return BigDecimal.valueOf(residentPpm, 4).stripTrailingZeros().toPlainString();
    }

    private static String sizeText(long bytes) {
        int unit = 0;
        while (unit < UNITS.length - 1 && bytes != 0 && bytes % (1L << (10 * (unit + 1))) == 0) {
            unit++;
        }
        return (bytes >> (10 * unit)) + UNITS[unit];
    }
}
