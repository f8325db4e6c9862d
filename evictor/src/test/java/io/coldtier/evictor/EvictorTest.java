package io.coldtier.evictor;

import io.coldtier.evictor.policy.IdleAgePolicy;
import io.coldtier.evictor.policy.RefaultSloPolicy;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static io.coldtier.evictor.TestEvents.fault;
import static io.coldtier.evictor.TestEvents.range;
import static io.coldtier.evictor.TestEvents.scan;
import static io.coldtier.evictor.TestEvents.scanAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class EvictorTest {
    private static final PolicyConfig MIXED = new PolicyConfig("idle-age:cycles=3", Map.of(
            "vm-budget", "budget:resident=30%",
            "vm-slo", "refault-slo:target=0.5%/min,min=2,max=6"));

    @Test
    void onScan_evictsIdlePages_withADeterministicIdAndTheVictimsAgeHistogram() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=2"));
        assertThat(evictor.onScan(scan(8, 1, 0, 1))).isEmpty();
        Command command = evictor.onScan(scan(8, 2, 0)).orElseThrow();

        assertThat(command.commandId()).isEqualTo("vm-a/0/2");
        assertThat(command.commandId()).isEqualTo(Command.idOf("vm-a", 0, 2));
        assertThat(command.vmId()).isEqualTo("vm-a");
        assertThat(command.region()).isZero();
        assertThat(command.cycle()).isEqualTo(2);
        assertThat(command.policy()).isEqualTo("idle-age");
        assertThat(command.pages()).isEqualTo(range(2, 8));
        assertThat(command.ageHistogram()[2]).isEqualTo(6);
        assertThat(evictor.vm("vm-a").orElseThrow().lastDecision().orElseThrow().reason())
                .isEqualTo("idle >= 2 scans: 6 of 8 resident pages");
    }

    @Test
    void onScan_neverNamesAPageTwice_untilItComesBack() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=1"));
        assertThat(evictor.onScan(scan(4, 1, 0)).orElseThrow().pages()).isEqualTo(range(1, 4));
        assertThat(evictor.onScan(scan(4, 2, 0))).isEmpty();
        evictor.onFault(fault("vm-a", 0, 2, 25_000_000, FaultKind.REFAULT, 2));
        assertThat(evictor.vm("vm-a").orElseThrow().refaults()).isEqualTo(1);
        assertThat(evictor.onScan(scan(4, 3, 0)).orElseThrow().pages()).isEqualTo(RoaringBitmap.bitmapOf(2));
    }

    @Test
    void onScan_duplicateOrOlderScan_emitsNothing_andChangesNothing() {
        Evictor once = new Evictor(PolicyConfig.of("idle-age:cycles=2"));
        Evictor twice = new Evictor(PolicyConfig.of("idle-age:cycles=2"));
        List<ScanInput> scans = List.of(scan(16, 1, 0, 1), scan(16, 2, 0), scan(16, 3, 5), scan(16, 4, 1));
        List<Command> fromOnce = new ArrayList<>();
        List<Command> fromTwice = new ArrayList<>();
        for (ScanInput s : scans) {
            once.onScan(s).ifPresent(fromOnce::add);
            twice.onScan(s).ifPresent(fromTwice::add);
            assertThat(twice.onScan(s)).as("redelivered %s", s.cycle()).isEmpty();
            assertThat(twice.onScan(scans.getFirst())).as("replayed cycle 1").isEmpty();
        }
        assertThat(fromTwice).isEqualTo(fromOnce);
        assertThat(bytes(fromTwice)).isEqualTo(bytes(fromOnce));
    }

    @Test
    void replay_ofTheSameEventStream_reproducesTheSameCommands_byteForByte() {
        List<Object> events = syntheticStream(20260226L);
        List<Command> first = run(new Evictor(MIXED), events);
        List<Command> second = run(new Evictor(MIXED), events);

        assertThat(first).hasSizeGreaterThan(50);
        assertThat(first).extracting(Command::policy).contains("idle-age", "budget", "refault-slo");
        assertThat(bytes(second)).isEqualTo(bytes(first));
        assertThat(second).isEqualTo(first);
    }

    @Test
    void replay_withEveryEventDeliveredTwice_emitsTheSameCommands() {
        List<Object> events = syntheticStream(7L);
        List<Object> doubled = new ArrayList<>();
        for (Object e : events) {
            doubled.add(e);
            doubled.add(e);
        }
        assertThat(bytes(run(new Evictor(MIXED), doubled))).isEqualTo(bytes(run(new Evictor(MIXED), events)));
    }

    @Test
    void policyFor_usesThePerVmOverride_elseTheDefault_oneInstancePerVm() {
        Evictor evictor = new Evictor(MIXED);
        assertThat(evictor.policyFor("vm-slo")).isInstanceOf(RefaultSloPolicy.class);
        assertThat(evictor.policyFor("vm-slo").spec()).isEqualTo("refault-slo:target=0.5%/min,min=2,max=6");
        assertThat(evictor.policyFor("vm-budget").spec()).isEqualTo("budget:resident=30%");
        assertThat(evictor.policyFor("vm-other")).isInstanceOf(IdleAgePolicy.class);
        assertThat(evictor.policyFor("vm-other")).isSameAs(evictor.policyFor("vm-other"));
        assertThat(evictor.policyFor("vm-x")).isNotSameAs(evictor.policyFor("vm-other"));
        assertThat(evictor.vmIds()).containsExactly("vm-budget", "vm-other", "vm-slo", "vm-x");
    }

    @Test
    void perVmOverrides_decideDifferentlyOnTheSameScans() {
        Evictor evictor = new Evictor(MIXED);
        Optional<Command> idle = Optional.empty();
        Optional<Command> budget = Optional.empty();
        for (int cycle = 1; cycle <= 3; cycle++) {
            idle = evictor.onScan(scan("vm-idle", 0, 10, cycle, 0));
            budget = evictor.onScan(scan("vm-budget", 0, 10, cycle, 0));
        }
        assertThat(idle.orElseThrow().pages()).isEqualTo(range(1, 10));
        assertThat(budget).as("already down to 3 of 10 pages after cycle 1").isEmpty();
        assertThat(evictor.vm("vm-budget").orElseThrow().residentPages()).isEqualTo(3);
    }

    @Test
    void onFault_pageOutsideTheRegion_isRejected_withoutChangingState() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=1"));
        evictor.onScan(scan(8, 1, 0));
        assertThatThrownBy(() -> evictor.onFault(fault("vm-a", 0, 1, 0, FaultKind.REFAULT, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page 8 is outside region 0");
        assertThat(evictor.vm("vm-a").orElseThrow().refaults()).isZero();
        assertThat(evictor.vm("vm-a").orElseThrow().evictedPages()).isEqualTo(7);
    }

    @Test
    void onFault_beforeTheRegionsFirstScan_isCounted_andOtherwiseIgnored() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=1"));
        evictor.onFault(fault("vm-new", 3, 1, 0, FaultKind.REFAULT, 12));
        VmState vm = evictor.vm("vm-new").orElseThrow();
        assertThat(vm.faultsBeforeFirstScan()).isEqualTo(1);
        assertThat(vm.regions()).isEmpty();
        assertThat(vm.refaults()).isZero();
    }

    @Test
    void onFault_trapAndPrefetch_bringPagesBack_withoutCountingRefaults_poisonKeepsThemOut() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=1"));
        evictor.onScan(scan(8, 1, 0));
        evictor.onFault(fault("vm-a", 0, 1, 11_000_000, FaultKind.TRAP, 1));
        evictor.onFault(fault("vm-a", 0, 1, 12_000_000, FaultKind.PREFETCH, 2));
        evictor.onFault(fault("vm-a", 0, 1, 13_000_000, FaultKind.POISON, 0));
        VmState vm = evictor.vm("vm-a").orElseThrow();
        assertThat(vm.refaults()).isZero();
        assertThat(vm.poisonEvents()).isEqualTo(1);
        assertThat(vm.pageAges(0).isEvicted(1)).isFalse();
        assertThat(vm.pageAges(0).isEvicted(2)).isFalse();
        assertThat(evictor.onScan(scan(8, 2)).orElseThrow().pages()).isEqualTo(RoaringBitmap.bitmapOf(1, 2));
    }

    @Test
    void refaultsLastCycle_countsEventsAndScanRevealedRefaults_betweenTwoScans() {
        Evictor evictor = new Evictor(PolicyConfig.of("idle-age:cycles=1"));
        evictor.onScan(scan(8, 1, 0));                     // evicts 1..7
        evictor.onFault(fault("vm-a", 0, 2, 15_000_000, FaultKind.REFAULT, 3));
        evictor.onFault(fault("vm-a", 0, 2, 15_000_000, FaultKind.REFAULT, 3)); // duplicate
        evictor.onScan(scan(8, 2, 0, 3, 5));               // 5 came back before its event arrived
        evictor.onFault(fault("vm-a", 0, 2, 16_000_000, FaultKind.REFAULT, 5)); // late: already counted
        VmState vm = evictor.vm("vm-a").orElseThrow();
        assertThat(vm.refaultsLastCycle()).isEqualTo(2);
        assertThat(vm.refaults()).isEqualTo(2);
        assertThat(vm.refaultsBetween(0, 20_000_000)).isEqualTo(2);
    }

    /** Three VMs (one per policy) of two regions, 240 cycles, a drifting hot set and refaults. */
    private static List<Object> syntheticStream(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Object> events = new ArrayList<>();
        String[] vms = {"vm-idle", "vm-budget", "vm-slo"};
        int pages = 512;
        for (int cycle = 1; cycle <= 240; cycle++) {
            long at = cycle * 5_000_000L;
            for (String vm : vms) {
                for (int region = 0; region < 2; region++) {
                    RoaringBitmap accessed = new RoaringBitmap();
                    int hotStart = (cycle * 3 + region * 100) % pages;
                    for (int i = 0; i < 40; i++) {
                        accessed.add((hotStart + random.nextInt(64)) % pages);
                    }
                    for (int i = 0; i < 8; i++) {
                        accessed.add(random.nextInt(pages));
                    }
                    events.add(scanAt(vm, region, pages, cycle, at, accessed));
                    for (int i = 0; i < 4; i++) {
                        FaultKind kind = FaultKind.values()[random.nextInt(10) == 0 ? 1 + random.nextInt(3) : 0];
                        events.add(fault(vm, region, cycle, at + 1_000_000L + i, kind, random.nextInt(pages)));
                    }
                }
            }
        }
        return events;
    }

    private static List<Command> run(Evictor evictor, List<Object> events) {
        List<Command> commands = new ArrayList<>();
        for (Object e : events) {
            switch (e) {
                case ScanInput s -> evictor.onScan(s).ifPresent(commands::add);
                case FaultInput f -> evictor.onFault(f);
                default -> throw new IllegalStateException(e.toString());
            }
        }
        return commands;
    }

    /** Every field of every command, in order, with the page sets in RoaringBitmap's portable format. */
    private static byte[] bytes(List<Command> commands) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            for (Command c : commands) {
                out.writeUTF(c.commandId());
                out.writeUTF(c.vmId());
                out.writeInt(c.region());
                out.writeLong(c.cycle());
                out.writeUTF(c.policy());
                c.pages().serialize(out);
                for (int n : c.ageHistogram()) {
                    out.writeInt(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }
}
