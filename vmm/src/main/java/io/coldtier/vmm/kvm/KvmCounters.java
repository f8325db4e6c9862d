package io.coldtier.vmm.kvm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A vCPU's KVM statistics (binary stats fd), with the ones that tell how the guest executes
 * pulled out. Cumulative since the vCPU was created.
 *
 * @param exits         every exit from guest mode (page faults, interrupts, I/O, emulation batches)
 * @param insnEmulation instructions the KVM emulator executed; on kvm_pvm 0–1 per report when the
 *                      guest runs natively, about one per guest instruction when it does not
 * @param pfTaken       page faults KVM handled for the guest; with shadow paging one per first
 *                      touch of a guest page, and again after each eviction of the page
 * @param pfFixed       of those, fixed by installing a mapping
 * @param irqExits      exits for host interrupts (timer ticks, IPIs)
 * @param all           every scalar statistic by name (45 on kvm_pvm 6.18)
 */
public record KvmCounters(long exits, long insnEmulation, long pfTaken, long pfFixed, long irqExits,
                          Map<String, Long> all) {
    public static final KvmCounters UNAVAILABLE = new KvmCounters(-1, -1, -1, -1, -1, Map.of());

    public KvmCounters {
        all = Map.copyOf(all);
    }

    public static KvmCounters of(Map<String, Long> stats) {
        return new KvmCounters(stats.getOrDefault("exits", -1L), stats.getOrDefault("insn_emulation", -1L),
                stats.getOrDefault("pf_taken", -1L), stats.getOrDefault("pf_fixed", -1L),
                stats.getOrDefault("irq_exits", -1L), stats);
    }

    public boolean available() {
        return exits >= 0;
    }

    /** Element-wise sum (for totals over vCPUs); {@code all} is summed too. */
    public KvmCounters plus(KvmCounters o) {
        if (!available()) {
            return o;
        }
        if (!o.available()) {
            return this;
        }
        Map<String, Long> sum = new LinkedHashMap<>(all);
        o.all.forEach((k, v) -> sum.merge(k, v, Long::sum));
        return new KvmCounters(exits + o.exits, insnEmulation + o.insnEmulation, pfTaken + o.pfTaken,
                pfFixed + o.pfFixed, irqExits + o.irqExits, sum);
    }
}
