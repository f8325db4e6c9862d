package io.coldtier.trace;

import java.time.Instant;
import java.util.Set;

/**
 * Which records a trace keeps: an event-time range {@code [from, to)} and a VM set (empty = all VMs).
 *
 * @param from inclusive lower bound of event time, or null for no bound
 * @param to   exclusive upper bound of event time, or null for no bound
 * @param vms  VM ids to keep; empty keeps every VM
 */
public record TraceFilter(Instant from, Instant to, Set<String> vms) {
    public static final TraceFilter ALL = new TraceFilter(null, null, Set.of());

    public TraceFilter {
        vms = Set.copyOf(vms);
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("empty time range: from " + from + " is not before to " + to);
        }
    }

    public boolean accepts(TraceRecord r) {
        if (!vms.isEmpty() && !vms.contains(r.vmId())) {
            return false;
        }
        long t = r.eventMicros();
        return (from == null || t >= micros(from)) && (to == null || t < micros(to));
    }

    @Override
    public String toString() {
        return "from=" + (from == null ? "-" : from) + " to=" + (to == null ? "-" : to)
                + " vms=" + (vms.isEmpty() ? "all" : String.join(",", new java.util.TreeSet<>(vms)));
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
