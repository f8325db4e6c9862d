package io.coldtier.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the fleet analysis computes.
 *
 * @param ages              the idle ages of the cold-age histogram, ascending: a page is cold at age T when it was
 *                          not seen accessed for at least T (Google's far-memory paper uses 1, 2, 5, 10 and 30 min;
 *                          the defaults add 10 s and 30 s so a few-minute run shows something)
 * @param workingSetWindow  the working set at a time t is the pages seen accessed in (t − window, t]
 * @param reclaimAge        reclaimable memory = pages idle at least this long (evicted or not)
 * @param warmUp            the leading part of each VM's observation left out of its median per-cycle working set
 *                          (the guest's init touches every page)
 * @param prefetchWindow    pages on each side of a refault that the agent may prefetch with it (its fault loop's
 *                          window, 8 by default; the records carry only the count)
 * @param until             scans after this instant are left out (null = none): e.g. a run's final verification,
 *                          which touches every page
 */
public record FleetOptions(List<Duration> ages, Duration workingSetWindow, Duration reclaimAge, Duration warmUp,
                           int prefetchWindow, java.time.Instant until) {
    public FleetOptions {
        ages = List.copyOf(ages);
        Objects.requireNonNull(workingSetWindow, "workingSetWindow");
        Objects.requireNonNull(reclaimAge, "reclaimAge");
        Objects.requireNonNull(warmUp, "warmUp");
        if (ages.isEmpty()) {
            throw new IllegalArgumentException("at least one idle age is needed");
        }
        for (int i = 0; i < ages.size(); i++) {
            if (!ages.get(i).isPositive() || i > 0 && ages.get(i).compareTo(ages.get(i - 1)) <= 0) {
                throw new IllegalArgumentException("idle ages must be positive and strictly ascending: " + ages);
            }
        }
        if (!workingSetWindow.isPositive() || !reclaimAge.isPositive() || warmUp.isNegative() || prefetchWindow < 0) {
            throw new IllegalArgumentException("window and reclaim age must be positive, warm-up not negative");
        }
    }

    /** 10 s, 30 s, 1, 2, 5, 10, 30 min; 10 s working-set window; reclaimable at 1 min; 5 s warm-up; window 8. */
    public static FleetOptions defaults() {
        return new FleetOptions(List.of(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
                Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30)),
                Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofSeconds(5), 8, null);
    }

    public FleetOptions withReclaimAge(Duration d) {
        return new FleetOptions(ages, workingSetWindow, d, warmUp, prefetchWindow, until);
    }

    public FleetOptions withWorkingSetWindow(Duration d) {
        return new FleetOptions(ages, d, reclaimAge, warmUp, prefetchWindow, until);
    }

    public FleetOptions withPrefetchWindow(int w) {
        return new FleetOptions(ages, workingSetWindow, reclaimAge, warmUp, w, until);
    }

    public FleetOptions withUntil(java.time.Instant t) {
        return new FleetOptions(ages, workingSetWindow, reclaimAge, warmUp, prefetchWindow, t);
    }

    public FleetOptions withWarmUp(Duration d) {
        return new FleetOptions(ages, workingSetWindow, reclaimAge, d, prefetchWindow, until);
    }
}
