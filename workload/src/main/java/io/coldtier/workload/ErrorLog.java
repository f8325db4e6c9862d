package io.coldtier.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Counts violations and keeps the first few descriptions; never throws, so vCPUs can always report. */
final class ErrorLog {
    private final int keep;
    private final LongAdder count = new LongAdder();
    private final List<String> first = new ArrayList<>();

    ErrorLog(int keep) {
        this.keep = keep;
    }

    void record(String description) {
        count.increment();
        synchronized (first) {
            if (first.size() < keep) {
                first.add(description);
            }
        }
    }

    long count() {
        return count.sum();
    }

    List<String> first() {
        synchronized (first) {
            return List.copyOf(first);
        }
    }

    void clear() {
        synchronized (first) {
            first.clear();
            count.reset();
        }
    }
}
