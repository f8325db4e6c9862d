package io.coldtier.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One guest of {@code coldtier demo --vms N}: what its {@code coldtier vmm} runs. Guest 0 is the demo's own VM
 * (the {@link DemoConfig}); the others are small threads guests with a different pattern each, so the fleet report has
 * VMs that differ: a small hot set, a large hot set, a slow sweep, a medium hot set at a lower rate.
 *
 * @param vmId        the VM id handed over
 * @param guest       {@code kvm} or {@code threads}
 * @param guestSize   bytes
 * @param pattern     {@code hot-cold} or {@code sweep}
 * @param hotFraction share of pages in the hot set (hot-cold)
 * @param thinkTime   the threads guest's pause between operations (its rate)
 * @param main        whether this is the demo's own VM (baseline, live view, single-VM report)
 */
public record FleetGuest(String vmId, String guest, long guestSize, String pattern, double hotFraction,
                         Duration thinkTime, boolean main) {
    /** The extra guests are at most this large: N of them share the host with the demo's own guest. */
    static final long EXTRA_MAX_BYTES = 256L << 20;
    /** The threads guest's think time when {@code coldtier vmm} gets none (VmmConfig's default). */
    static final Duration DEFAULT_THINK = Duration.ofNanos(100_000);

    /** The guests of a run with {@code vms} VMs, the demo's own first. */
    public static List<FleetGuest> plan(DemoConfig config, int vms) {
        if (vms < 1 || vms > 16) {
            throw new IllegalArgumentException("--vms must be in [1, 16], got " + vms);
        }
        List<FleetGuest> out = new ArrayList<>();
        out.add(new FleetGuest(config.vmId(), config.guest(), config.guestSize(), config.pattern(),
                config.hotFraction(), DEFAULT_THINK, true));
        long size = Math.min(config.guestSize(), EXTRA_MAX_BYTES);
        for (int i = 1; i < vms; i++) {
            String id = String.format(Locale.ROOT, "%s-%d", config.vmId(), i);
            out.add(switch ((i - 1) % 4) {
                case 0 -> new FleetGuest(id, "threads", size, "hot-cold", 0.05, DEFAULT_THINK, false);
                case 1 -> new FleetGuest(id, "threads", size, "hot-cold", 0.25, DEFAULT_THINK, false);
                case 2 -> new FleetGuest(id, "threads", size, "sweep", 1.0, Duration.ofMillis(2), false);
                default -> new FleetGuest(id, "threads", size, "hot-cold", 0.10, Duration.ofMillis(1), false);
            });
        }
        return List.copyOf(out);
    }

    public long pages() {
        return guestSize >> 12;
    }

    /** For the live view and the README: "threads 64 MiB hot-cold 5 %, 100 µs think". */
    public String describe() {
        return String.format(Locale.ROOT, "%s %d MiB %s%s, think %s", guest, guestSize >> 20, pattern,
                pattern.equals("hot-cold") ? String.format(Locale.ROOT, " %.0f %%", hotFraction * 100) : "",
                Units.format(thinkTime));
    }
}
