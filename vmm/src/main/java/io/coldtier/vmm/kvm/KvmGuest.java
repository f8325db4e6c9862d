package io.coldtier.vmm.kvm;

import io.coldtier.linux.Libc;
import io.coldtier.vmm.kvm.internal.BootImage;
import io.coldtier.vmm.kvm.internal.FaultReport;
import io.coldtier.vmm.kvm.internal.GuestCode;
import io.coldtier.vmm.kvm.internal.GuestControl;
import io.coldtier.vmm.kvm.internal.Kvm;
import io.coldtier.vmm.kvm.internal.KvmApi;
import io.coldtier.vmm.kvm.internal.KvmStatsFile;
import io.coldtier.vmm.kvm.internal.KvmVcpu;
import io.coldtier.vmm.kvm.internal.KvmVm;
import io.coldtier.vmm.kvm.internal.VcpuRunner;
import io.coldtier.vmm.kvm.internal.VcpuSetup;
import io.coldtier.vmm.kvm.internal.X86Asm;
import io.coldtier.vmm.kvm.internal.struct.KvmRegs;
import io.coldtier.vmm.kvm.internal.struct.KvmSregs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A minimal KVM virtual machine whose guest is a self-checking memory workload, driven through
 * FFM. The guest RAM is memory the caller already mapped (for the reference VMM: a memfd mapped
 * {@code MAP_SHARED}, whose userfaultfd an agent uses to evict and restore pages); this class only
 * lends it to KVM as memory slot 0 at guest-physical address 0.
 *
 * <h2>Use</h2>
 * {@snippet :
 * KvmProbe kvm = KvmGuest.available();            // why not, if not
 * try (KvmGuest guest = KvmGuest.start(ram, GuestProgram.defaults().withVcpus(2)
 *         .withPattern(AccessPattern.hotCold().withPhaseOps(50_000_000)))) {
 *     ...
 *     GuestStats s = guest.stats();               // ops, errors, ops/s, KVM counters, NATIVE/EMULATED
 *     guest.pause(Duration.ofSeconds(5));         // all vCPUs parked at a report: memory is quiescent
 *     guest.resume();
 *     guest.requestStop();
 *     guest.awaitFinished(Duration.ofSeconds(10)); // throws GuestFailedException if a vCPU died
 * }
 * }
 *
 * <h2>What runs</h2>
 * Each vCPU runs the same 64-bit CPL3 program ({@code GuestCode}; {@link #programListing()}) on
 * its own slice of the data pages: it stamps every page, then picks pages by the
 * {@link AccessPattern}, verifies each page's tag and write count against a guest-side shadow
 * array before writing it, and counts mismatches as errors. Every
 * {@link GuestProgram#reportEveryOps()} operations it publishes its counters in its control block
 * and exits with {@code OUT}; throughput is the guest's own operation count over host time.
 * Memory layout: {@link GuestLayout}.
 *
 * <h2>Threads and lifecycle</h2>
 * One platform thread per vCPU ({@code kvm-vcpu-N}, daemon) runs KVM_RUN. Pause and stop take
 * effect at the next report exit of each vCPU (every ~1–6 ms at the default interval), never in the
 * middle of an operation. A vCPU that is blocked on an unresolved userfaultfd fault cannot be
 * stopped until the fault is resolved (or every copy of the uffd is closed).
 *
 * <h2>Ownership</h2>
 * The guest owns the VM and vCPU descriptors and the vCPU mappings, and releases them in
 * {@link #close()} (idempotent) once the vCPU threads have ended. It never owns guest RAM: keep it
 * mapped until {@code close()} returns. Host access to guest RAM is by {@code memcpy} downcalls
 * only, so a JVM that also resolves the RAM's userfaultfd faults cannot deadlock at a safepoint.
 */
public final class KvmGuest implements AutoCloseable {
    /** Where KVM_SET_TSS_ADDR puts its three pages: above any RAM we map (the recipe's value). */
    private static final long TSS_ADDR = 0xfffbd000L;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final GuestProgram program;
    private final GuestLayout layout;
    private final X86Asm code;
    private final KvmVm vm;
    private final List<KvmVcpu> vcpus;
    private final List<VcpuRunner> runners = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final GuestControl control = new GuestControl();
    private final AtomicBoolean closed = new AtomicBoolean();

    private KvmGuest(GuestProgram program, GuestLayout layout, X86Asm code, KvmVm vm, List<KvmVcpu> vcpus) {
        this.program = program;
        this.layout = layout;
        this.code = code;
        this.vm = vm;
        this.vcpus = vcpus;
    }

    /** Whether KVM can be used here and why not; never throws. */
    public static KvmProbe available() {
        return KvmProbe.probe();
    }

    /**
     * Builds the VM over {@code guestRam}, writes the boot area, and starts the vCPU threads.
     *
     * @param guestRam the caller's mapping of guest RAM: page-aligned, a multiple of 2 MiB; its
     *                 contents above {@link GuestLayout#shadowGpa()} are overwritten by the guest
     * @throws IllegalArgumentException if the RAM or program is unusable (too small, unaligned)
     * @throws io.coldtier.linux.NativeException if a KVM call fails (the message names it)
     */
    public static KvmGuest start(MemorySegment guestRam, GuestProgram program) {
        if (!guestRam.isNative() || guestRam.address() % GuestLayout.PAGE != 0) {
            throw new IllegalArgumentException("guest RAM must be a page-aligned native mapping");
        }
        GuestLayout layout = GuestLayout.of(guestRam.byteSize(), program.vcpus(), program.paging());
        X86Asm code = GuestCode.build(program.pattern() instanceof AccessPattern.HotCold);
        KvmVm vm = null;
        List<KvmVcpu> vcpus = new ArrayList<>();
        try (Kvm kvm = Kvm.open(); Arena arena = Arena.ofConfined()) {
            boolean stats = kvm.checkExtension(KvmApi.CAP_BINARY_STATS_FD) > 0;
            vm = kvm.createVm();
            if (kvm.checkExtension(KvmApi.CAP_SET_TSS_ADDR) > 0) {
                vm.setTssAddr(TSS_ADDR);
            }
            vm.setUserMemoryRegion(0, 0, guestRam.byteSize(), guestRam.address());
            MemorySegment boot = BootImage.build(layout, program, code.bytes(), arena);
            Libc.memcpy(guestRam.address(), boot.address(), boot.byteSize());
            MemorySegment cpuid = kvm.supportedCpuid(arena);
            long mmapSize = kvm.vcpuMmapSize();
            for (int v = 0; v < program.vcpus(); v++) {
                KvmVcpu vcpu = vm.createVcpu(v, mmapSize, stats);
                vcpus.add(vcpu);
                initCpu(vcpu, cpuid, layout, arena);
            }
        } catch (RuntimeException e) {
            vcpus.forEach(KvmVcpu::close);
            if (vm != null) {
                vm.close();
            }
            throw e;
        }
        KvmGuest guest = new KvmGuest(program, layout, code, vm, vcpus);
        guest.launch(guestRam.address());
        return guest;
    }

    /** CPUID first: KVM refuses EFER.LME in SET_SREGS until the guest has long mode in its CPUID. */
    private static void initCpu(KvmVcpu vcpu, MemorySegment cpuid, GuestLayout layout, Arena arena) {
        vcpu.setCpuid(cpuid);
        MemorySegment sregs = KvmSregs.allocate(arena);
        vcpu.getSregs(sregs);
        VcpuSetup.sregs(sregs, layout);
        vcpu.setSregs(sregs);
        MemorySegment regs = KvmRegs.allocate(arena);
        VcpuSetup.regs(regs, layout, vcpu.id());
        vcpu.setRegs(regs);
    }

    private void launch(long ramAddress) {
        FaultReport faults = new FaultReport(code);
        for (KvmVcpu vcpu : vcpus) {
            VcpuRunner r = new VcpuRunner(vcpu, ramAddress + layout.ctrlGpa(vcpu.id()), control, faults);
            runners.add(r);
            threads.add(Thread.ofPlatform().name("kvm-vcpu-" + vcpu.id()).daemon(true).start(r));
        }
    }

    public GuestProgram program() {
        return program;
    }

    public GuestLayout layout() {
        return layout;
    }

    /** The guest program with addresses, bytes, and a comment per instruction. */
    public String programListing() {
        return code.listing(GuestLayout.CODE_GPA);
    }

    /** The guest's counters as of each vCPU's last report, and KVM's counters as of now. */
    public List<VcpuStats> vcpuStats() {
        List<VcpuStats> out = new ArrayList<>(runners.size());
        for (int v = 0; v < runners.size(); v++) {
            VcpuRunner.Progress p = runners.get(v).progress();
            double rate = p.runNanos() > 0 ? p.ops() * 1e9 / p.runNanos() : 0;
            out.add(new VcpuStats(v, p.state(), p.ops(), p.errors(), p.phase(), p.lastBadGpa(), p.reports(),
                    p.initNanos(), p.runNanos(), rate, p.recentOpsPerSecond(), counters(vcpus.get(v))));
        }
        return out;
    }

    /** Per-vCPU figures, totals, and the native/emulated verdict. */
    public GuestStats stats() {
        return GuestStats.of(vcpuStats());
    }

    private KvmCounters counters(KvmVcpu vcpu) {
        if (closed.get()) {
            return KvmCounters.UNAVAILABLE;
        }
        try {
            return vcpu.stats().map(KvmStatsFile::read).map(KvmCounters::of).orElse(KvmCounters.UNAVAILABLE);
        } catch (IllegalStateException e) {
            return KvmCounters.UNAVAILABLE; // closed by a concurrent close()
        }
    }

    /**
     * Parks every vCPU at its next report exit. Returns true once all are paused (or finished)
     * within {@code timeout}; the guest then touches no memory until {@link #resume()}.
     */
    public boolean pause(Duration timeout) throws InterruptedException {
        control.pause(true);
        return control.await(() -> runners.stream()
                .allMatch(r -> r.progress().state() == VcpuState.PAUSED || r.progress().state().finished()), timeout);
    }

    public void resume() {
        control.pause(false);
    }

    /** Asks every vCPU to end at its next report exit; returns at once. Idempotent. */
    public void requestStop() {
        control.requestStop();
    }

    /**
     * Waits until every vCPU thread has ended. Returns false on timeout.
     *
     * @throws GuestFailedException the first vCPU failure, if any vCPU failed
     */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                failure().ifPresent(f -> {
                    throw f;
                });
                return false;
            }
        }
        failure().ifPresent(f -> {
            throw f;
        });
        return true;
    }

    /** The first vCPU failure, if any. */
    public Optional<GuestFailedException> failure() {
        return runners.stream().map(VcpuRunner::failure).filter(f -> f != null).findFirst();
    }

    /**
     * Stops the guest and releases the vCPUs and the VM. Idempotent. If a vCPU thread does not
     * end within 10 s (blocked on an unresolved userfaultfd fault), its descriptors and
     * {@code kvm_run} mapping are deliberately leaked, because unmapping a {@code kvm_run} that a
     * thread will read after KVM_RUN returns would crash the JVM; the exception says so.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        control.requestStop();
        List<Integer> stuck = new ArrayList<>();
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (int v = 0; v < threads.size(); v++) {
            try {
                if (!threads.get(v).join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    stuck.add(v);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stuck.add(v);
            }
        }
        if (!stuck.isEmpty()) {
            throw new IllegalStateException("vCPU(s) " + stuck + " still in KVM_RUN after " + CLOSE_WAIT
                    + " (blocked on an unresolved userfaultfd fault?); their descriptors were leaked");
        }
        vcpus.forEach(KvmVcpu::close);
        vm.close();
    }
}
