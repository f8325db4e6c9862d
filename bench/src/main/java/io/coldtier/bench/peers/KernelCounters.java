package io.coldtier.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** Host-wide counters sampled around a run: /proc/vmstat pswpin/pswpout and kswapd CPU time. */
record KernelCounters(long pswpin, long pswpout, long kswapdTicks) {
    /** USER_HZ; 100 on every Linux architecture the project targets. */
    static final long TICKS_PER_SECOND = 100;

    static KernelCounters sample() {
        Map<String, Long> vm = Sys.keyValues(Sys.read(Path.of("/proc/vmstat")));
        return new KernelCounters(vm.getOrDefault("pswpin", 0L), vm.getOrDefault("pswpout", 0L), readKswapdTicks());
    }

    KernelCounters minus(KernelCounters before) {
        return new KernelCounters(pswpin - before.pswpin, pswpout - before.pswpout, kswapdTicks - before.kswapdTicks);
    }

    double kswapdCpuMs() {
        return kswapdTicks * 1000.0 / TICKS_PER_SECOND;
    }

    /** utime + stime (fields 14 and 15) of every kswapdN thread. */
    static long readKswapdTicks() {
        long total = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readString(p.resolve("comm")).startsWith("kswapd")) {
                        total += cpuTicks(Files.readString(p.resolve("stat")));
                    }
                } catch (IOException ignored) {
                    // process went away
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return total;
    }

    /** utime + stime from a /proc/PID/stat line; the comm field may contain spaces, so count from its ')'. */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        // f[0] is field 3 (state); utime is field 14, stime field 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
