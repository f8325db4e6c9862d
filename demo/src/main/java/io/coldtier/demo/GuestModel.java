package io.coldtier.demo;

import java.util.Optional;

/**
 * The ground truth of a threads guest: what its pattern implies for the fleet report's figures, given the operation
 * rate it reported. The workload picks pages at random ({@code hot-cold}: 95 % of operations uniformly over the hot
 * set, 5 % uniformly over the rest; see {@code vmm.ThreadsGuest}) or walks them in order ({@code sweep}), so:
 * <ul>
 *   <li>hot-cold: a hot page is touched at rate λh = 0.95·R/H, a cold one at λc = 0.05·R/C (Poisson), so the share
 *       idle at least T is (H·e^(−λh·T) + C·e^(−λc·T)) / P, and an interval of Δ sees
 *       H·(1 − e^(−λh·Δ)) + C·(1 − e^(−λc·Δ)) pages;</li>
 *   <li>sweep: every page is touched once per period P/R, so the share idle at least T is max(0, 1 − T·R/P) and an
 *       interval sees min(P, R·Δ) pages.</li>
 * </ul>
 * The KVM guest (whose hot set moves midway, and whose pattern is its own) is not modelled (empty); the threads
 * guest has no phase change.
 *
 * @param pattern      {@code hot-cold} or {@code sweep}
 * @param pages        P
 * @param hotPages     H (hot-cold)
 * @param opsPerSecond R, as the guest measured it over its tracked run
 */
public record GuestModel(String pattern, long pages, long hotPages, double opsPerSecond) {
    static final double HOT_SHARE = 0.95;

    /** The model of {@code g} at rate {@code opsPerSecond}, if its pattern has one. */
    public static Optional<GuestModel> of(FleetGuest g, double opsPerSecond) {
        if (!g.guest().equals("threads") || !(opsPerSecond > 0)) {
            return Optional.empty();
        }
        long hot = Math.clamp(Math.round(g.hotFraction() * g.pages()), 1, g.pages());
        return Optional.of(new GuestModel(g.pattern(), g.pages(), hot, opsPerSecond));
    }

    /** Expected share of pages idle at least {@code ageSeconds}. */
    public double coldShare(double ageSeconds) {
        if (pattern.equals("sweep")) {
            return Math.max(0, 1 - ageSeconds * opsPerSecond / pages);
        }
        long cold = pages - hotPages;
        double hot = hotPages * Math.exp(-HOT_SHARE * opsPerSecond * ageSeconds / hotPages);
        double rest = cold == 0 ? 0 : cold * Math.exp(-(1 - HOT_SHARE) * opsPerSecond * ageSeconds / cold);
        return (hot + rest) / pages;
    }

    /** Expected pages seen accessed in one interval of {@code seconds}. */
    public double workingSetPerInterval(double seconds) {
        if (pattern.equals("sweep")) {
            return Math.min(pages, opsPerSecond * seconds);
        }
        return pages * (1 - coldShare(seconds));
    }
}
