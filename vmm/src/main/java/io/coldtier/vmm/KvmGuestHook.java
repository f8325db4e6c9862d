package io.coldtier.vmm;

import io.coldtier.vmm.kvm.AccessPattern;
import io.coldtier.vmm.kvm.GuestLayout;
import io.coldtier.vmm.kvm.GuestProgram;
import io.coldtier.vmm.kvm.GuestStats;
import io.coldtier.vmm.kvm.KvmGuest;
import io.coldtier.vmm.kvm.KvmProbe;
import io.coldtier.vmm.kvm.internal.CtrlBlock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --guest kvm}: the KVM guest of {@code io.coldtier.vmm.kvm} on the VMM's memfd mapping, as a {@link Guest}.
 * The guest verifies every page it touches (tag, count, tail against its shadow array); {@link #finish} adds a
 * host-side sweep over every data page after the vCPUs stopped, so pages that sat evicted until the end are checked
 * too (reading them refaults them through the agent).
 */
final class KvmGuestHook implements Guest {
    private static final int MAX_ERRORS = 20;

    private final KvmGuest guest;
    private final MemorySegment ram;
    private final long startNanos = System.nanoTime();

    private KvmGuestHook(KvmGuest guest, MemorySegment ram) {
        this.guest = guest;
        this.ram = ram;
    }

    /** Fails (before the hand-over) with KVM's own reason if {@code --guest kvm} cannot run on this host. */
    static void check() {
        KvmProbe p = KvmGuest.available();
        if (!p.usable()) {
            throw new UnsupportedOperationException("--guest kvm cannot run here: " + p.reason()
                    + "; use --guest threads");
        }
    }

    static Guest start(VmmMemory memory, VmmConfig config) {
        check();
        AccessPattern pattern = switch (config.pattern()) {
            case SWEEP -> AccessPattern.sequential();
            // --hot-access of the operations on the hot set (default 90 %); the hot set moves every --phase-ops
            // operations per vCPU (default 2^24; VmmMain has resolved "midway" by now).
            case HOT_COLD -> AccessPattern.hotCold(config.hotFraction(), config.hotAccessFraction())
                    .withPhaseOps(Math.max(0, config.phaseOps()));
        };
        GuestProgram program = GuestProgram.defaults().withVcpus(config.threads()).withPattern(pattern)
                .withSeed(config.seed());
        // start() writes the boot area into guest RAM: the agent already serves this memory's faults.
        return new KvmGuestHook(KvmGuest.start(memory.segment(), program), memory.segment());
    }

    @Override
    public Progress progress() {
        GuestStats s = guest.stats();
        return new Progress(s.ops(), s.errors());
    }

    @Override
    public Result finish(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        guest.requestStop();
        boolean stopped;
        try {
            stopped = guest.awaitFinished(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = false;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        GuestStats s = guest.stats();
        List<String> errors = new ArrayList<>();
        guest.failure().ifPresent(f -> errors.add("vCPU failed: " + f.getMessage()));
        List<String> stuck = new ArrayList<>();
        long verifyFailures = -1;
        if (!stopped) {
            stuck.add(s.vcpus().size() + " vCPUs did not stop within " + timeout);
        } else if (System.nanoTime() < deadline) {
            verifyFailures = sweep(guest.layout(), errors, deadline);
        }
        // Each operation is one verified read plus one write of the same page.
        return new Result(s.ops(), s.ops(), s.ops(), s.errors(), verifyFailures, s.opsPerSecond(), seconds, stuck,
                errors);
    }

    /** Checks every data page against the guest's own rules; returns the failures, or -1 past the deadline. */
    private long sweep(GuestLayout layout, List<String> errors, long deadline) {
        long failures = 0;
        for (long i = 0; i < layout.dataPages(); i++) {
            if ((i & 1023) == 0 && System.nanoTime() > deadline) {
                return -1;
            }
            long gpa = layout.dataGpa() + i * GuestLayout.PAGE;
            long shadow = ram.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.shadowGpa() + i * 8);
            long tag = ram.get(ValueLayout.JAVA_LONG_UNALIGNED, gpa + CtrlBlock.PAGE_TAG);
            long count = ram.get(ValueLayout.JAVA_LONG_UNALIGNED, gpa + CtrlBlock.PAGE_COUNTER);
            long tail = ram.get(ValueLayout.JAVA_LONG_UNALIGNED, gpa + CtrlBlock.PAGE_TAIL);
            if (tag != (gpa ^ CtrlBlock.TAG_MAGIC) || count != shadow || tail != shadow) {
                failures++;
                if (errors.size() < MAX_ERRORS) {
                    errors.add(String.format("data page gpa 0x%x: tag 0x%x count %d tail %d, shadow count %d",
                            gpa, tag, count, tail, shadow));
                }
            }
        }
        return failures;
    }

    @Override
    public void close() {
        guest.close();
    }
}
