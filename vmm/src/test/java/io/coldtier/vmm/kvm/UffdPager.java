package io.coldtier.vmm.kvm;

import io.coldtier.linux.CopyOutcome;
import io.coldtier.linux.UffdEvent;
import io.coldtier.linux.UffdEventBuffer;
import io.coldtier.linux.Userfaultfd;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal stand-in for the agent's fault path: one platform thread reads MISSING faults from the
 * userfaultfd and answers each with UFFDIO_COPY of the bytes saved for that page, or with a zero
 * page for a page nobody saved (a first touch of fresh memory, as an agent does for never-written
 * pages). Records every fault since the last {@link #reset()}, so a test can check exactly which
 * pages refaulted and how often.
 */
final class UffdPager implements AutoCloseable {
    static final long PAGE = GuestLayout.PAGE;

    private final Userfaultfd uffd;
    private final long base;
    private final Map<Long, MemorySegment> saved = new ConcurrentHashMap<>();
    private final List<Long> faults = new CopyOnWriteArrayList<>();
    private final List<Long> zeroFilled = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** {@code base} = host address of GPA 0; pages are keyed by GPA. */
    UffdPager(Userfaultfd uffd, long base) {
        this.uffd = uffd;
        this.base = base;
        this.thread = Thread.ofPlatform().name("uffd-pager").daemon(true).start(this::loop);
    }

    /** What to UFFDIO_COPY when page {@code gpa} faults (a PAGE-sized native segment). */
    void serve(long gpa, MemorySegment contents) {
        saved.put(gpa, contents);
    }

    /** Forgets the faults recorded so far (first touches before the interesting part of a test). */
    void reset() {
        faults.clear();
        zeroFilled.clear();
    }

    /** GPAs of the faults served since the last reset, in order. */
    List<Long> faults() {
        return List.copyOf(faults);
    }

    /** GPAs answered with a zero page since the last reset (no saved contents). */
    List<Long> zeroFilled() {
        return List.copyOf(zeroFilled);
    }

    List<Throwable> errors() {
        return List.copyOf(errors);
    }

    private void loop() {
        try (UffdEventBuffer events = new UffdEventBuffer(64)) {
            while (running) {
                int n = uffd.readBlocking(events, 50);
                for (int i = 0; i < n; i++) {
                    if (events.event(i) == UffdEvent.EVENT_PAGEFAULT) {
                        resolve(events.address(i) & -PAGE);
                    }
                }
            }
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    private void resolve(long host) {
        long gpa = host - base;
        faults.add(gpa);
        MemorySegment src = saved.get(gpa);
        CopyOutcome out;
        do {
            if (src == null) {
                zeroFilled.add(gpa);
                out = uffd.zeropage(host, PAGE, 0);
            } else {
                out = uffd.copy(host, src.address(), PAGE, 0);
            }
        } while (!out.done());
    }

    /** Stops the loop (it polls with a 50 ms timeout) and waits for the thread. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
