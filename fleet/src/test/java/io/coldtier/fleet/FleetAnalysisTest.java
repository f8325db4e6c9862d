package io.coldtier.fleet;

import io.coldtier.fleet.FleetReport.ColdAge;
import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.FaultKind;
import io.coldtier.schemas.avro.RegionInfo;
import io.coldtier.schemas.avro.ScanResult;
import io.coldtier.schemas.avro.VmRegistration;
import io.coldtier.schemas.avro.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@Tag("unit")
class FleetAnalysisTest {
    static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    /** One scan per second for {@code seconds} s: cycle c covers [c, c+1) s and sees the pages {@code seen(c)} picks. */
    static void scans(FleetInput in, String vm, int pages, int seconds, java.util.function.IntFunction<IntPredicate> seen,
                      long evicted) {
        for (int c = 0; c < seconds; c++) {
            RoaringBitmap b = new RoaringBitmap();
            IntPredicate p = seen.apply(c);
            for (int i = 0; i < pages; i++) {
                if (p.test(i)) {
                    b.add(i);
                }
            }
            in.add(ScanResult.newBuilder().setVmId(vm).setRegion(0).setCycle(c).setArmedAt(T0.plusSeconds(c))
                    .setScannedAt(T0.plusSeconds(c + 1)).setPageSize(4096).setPages(pages)
                    .setAccessedCount(b.getLongCardinality()).setResidentCount(pages - evicted)
                    .setEvictedCount(evicted).setAccessed(Bitmaps.toBytes(b)).build());
        }
    }

    static VmRegistration registration(String vm, String host, long pages) {
        return VmRegistration.newBuilder().setVmId(vm).setAgentId("agent-" + host).setHost(host).setPid(1)
                .setBackend("zap").setState(VmState.ACTIVE).setRegisteredAt(T0)
                .setRegions(List.of(RegionInfo.newBuilder().setIndex(0).setGuestPhysBase(0).setSize(pages * 4096)
                        .setPageSize(4096).build())).build();
    }

    /** 10 hot pages every cycle, 10 warm pages last seen in cycle 4 (t = 5 s), 80 pages touched only at init. */
    static FleetInput hotWarmCold() {
        FleetInput in = new FleetInput().add(registration("vm-a", "host-1", 100));
        scans(in, "vm-a", 100, 40, c -> c == 0 ? i -> true : c == 4 ? i -> i < 20 : i -> i < 10, 30);
        return in;
    }

    static ColdAge at(VmStats v, double seconds) {
        return v.cold().stream().filter(c -> c.ageSeconds() == seconds).findFirst().orElseThrow();
    }

    @Test
    void idleAges_countPagesNotSeenForAtLeastEachAge_andLeaveUnobservableAgesEmpty() {
        FleetReport r = FleetAnalysis.analyse(hotWarmCold(), FleetOptions.defaults(), CLOCK);
        VmStats v = r.vms().getFirst();
        // At the last scan (t = 40 s): hot pages idle 0 s, warm ones 35 s, the init-only ones 39 s.
        assertThat(at(v, 10).fraction()).isCloseTo(0.90, within(1e-9));
        assertThat(at(v, 30).fraction()).isCloseTo(0.90, within(1e-9));
        assertThat(at(v, 10).pages()).isEqualTo(90);
        assertThat(v.observedSeconds()).isCloseTo(40, within(1e-9));
        assertThat(at(v, 60).fraction()).as("watched 40 s: 1 min is not observable").isNull();
        assertThat(v.workingSetPages()).as("seen within the 10 s window").isEqualTo(10);
        assertThat(v.cycles()).isEqualTo(40);
        assertThat(v.intervalSeconds()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void coldShareOverTime_fallsAsTheWarmPagesAgeOut_thenCountsThem() {
        FleetReport r = FleetAnalysis.analyse(hotWarmCold(), FleetOptions.defaults(), CLOCK);
        var series = r.vms().getFirst().series();
        assertThat(series.get(5).coldAtFirstAge()).as("t = 6 s: not yet watched 10 s").isNaN();
        // t = 12 s: the init-only pages are 11 s idle, the warm ones 7 s.
        assertThat(series.get(11).coldAtFirstAge()).isCloseTo(0.80, within(1e-9));
        // t = 16 s: warm pages 11 s idle too.
        assertThat(series.get(15).coldAtFirstAge()).isCloseTo(0.90, within(1e-9));
        assertThat(series.get(11).workingSet()).isEqualTo(20);
        assertThat(series.get(20).accessed()).isEqualTo(10);
    }

    @Test
    void neverSeenPages_areIdleSinceTheFirstInterval() {
        FleetInput in = new FleetInput();
        scans(in, "vm-b", 50, 20, c -> i -> i < 5, 0);
        VmStats v = FleetAnalysis.analyse(in, FleetOptions.defaults(), CLOCK).vms().getFirst();
        assertThat(at(v, 10).pages()).isEqualTo(45);
        assertThat(at(v, 30).fraction()).as("watched 20 s").isNull();
        assertThat(v.host()).isEqualTo("unknown");
    }

    @Test
    void duplicateScans_changeNothing() {
        FleetInput once = hotWarmCold();
        FleetInput twice = hotWarmCold();
        scans(twice, "vm-a", 100, 40, c -> c == 0 ? i -> true : c == 4 ? i -> i < 20 : i -> i < 10, 30);
        VmStats a = FleetAnalysis.analyse(once, FleetOptions.defaults(), CLOCK).vms().getFirst();
        VmStats b = FleetAnalysis.analyse(twice, FleetOptions.defaults(), CLOCK).vms().getFirst();
        assertThat(b.cold()).isEqualTo(a.cold());
        assertThat(b.series()).isEqualTo(a.series());
    }

    @Test
    void workingSetPerCycle_isTheMedianAfterTheWarmUp() {
        VmStats v = FleetAnalysis.analyse(hotWarmCold(), FleetOptions.defaults().withWarmUp(Duration.ofSeconds(5)),
                CLOCK).vms().getFirst();
        assertThat(v.workingSetPerCycle()).isCloseTo(10, within(1e-9));
    }

    @Test
    void savedRefaultsAndReclaimable_comeFromTheLastScanAndTheFaults() {
        FleetInput in = hotWarmCold();
        for (int i = 0; i < 8; i++) {
            in.add(FaultEvent.newBuilder().setVmId("vm-a").setRegion(0).setCycle(10 + i).setAt(T0.plusSeconds(11 + i))
                    .setKind(i == 0 ? FaultKind.TRAP : FaultKind.REFAULT).setPage(50 + i).setPageVersion(1)
                    .setLatencyNanos(50_000).setPrefetched(0).build());
        }
        VmStats v = FleetAnalysis.analyse(in, FleetOptions.defaults().withReclaimAge(Duration.ofSeconds(30)), CLOCK)
                .vms().getFirst();
        assertThat(v.refaults()).as("TRAP is not a refault").isEqualTo(7);
        assertThat(v.refaultsPerSecond()).isCloseTo(7 / 40.0, within(1e-9));
        assertThat(v.savedBytes()).isEqualTo(30L * 4096);
        assertThat(v.reclaimablePages()).isEqualTo(90);
        assertThat(v.reclaimableBytes()).isEqualTo(90L * 4096);
        assertThat(v.series().get(12).refaults()).isEqualTo(1);
    }

    @Test
    void prefetchedNeighbours_countAsScannedButNotAsTouched() {
        // Cycle c (c >= 1) sees page 0 plus pages 46..54: page 50 refaulted during the interval (fault cycle c - 1)
        // and prefetched its 8 evicted neighbours, which the guest never touched.
        FleetInput in = new FleetInput();
        scans(in, "vm-p", 100, 30, c -> c == 0 ? i -> i == 0 : i -> i == 0 || i >= 46 && i <= 54, 0);
        for (int c = 1; c < 30; c++) {
            in.add(FaultEvent.newBuilder().setVmId("vm-p").setRegion(0).setCycle(c - 1).setAt(T0.plusSeconds(c))
                    .setKind(FaultKind.REFAULT).setPage(50).setPageVersion(1).setLatencyNanos(50_000)
                    .setPrefetched(8).build());
        }
        VmStats v = FleetAnalysis.analyse(in, FleetOptions.defaults().withPrefetchWindow(4), CLOCK).vms().getFirst();
        assertThat(v.workingSetPerCycle()).isEqualTo(10);
        assertThat(v.workingSetPerCycleExcludingPrefetch()).isEqualTo(2);
        assertThat(at(v, 10).pages()).as("as scanned").isEqualTo(90);
        assertThat(v.coldExcludingPrefetch().getFirst().pages()).as("excluding prefetch").isEqualTo(98);
        assertThat(v.refaults()).isEqualTo(29);
        assertThat(v.prefetchedPages()).isEqualTo(29 * 8);
        assertThat(v.series().get(1).refaults()).as("fault cycle 0 falls in the interval scan 1 closes").isEqualTo(1);
    }

    @Test
    void withEvictCommands_onlyEvictedNeighboursCanBePrefetched() {
        FleetInput in = new FleetInput();
        scans(in, "vm-e", 100, 3, c -> c == 0 ? i -> false : i -> i == 0 || i >= 46 && i <= 54, 0);
        RoaringBitmap out = RoaringBitmap.bitmapOfRange(46, 51); // 46..50 evicted after scan 0; 51..54 stay in
        in.add(io.coldtier.schemas.avro.EvictCommand.newBuilder().setVmId("vm-e").setRegion(0).setCycle(0)
                .setCommandId("c0").setPolicy("test").setPages(Bitmaps.toBytes(out)).setAgeHistogram(List.of())
                .setIssuedAt(T0.plusSeconds(1)).build());
        in.add(FaultEvent.newBuilder().setVmId("vm-e").setRegion(0).setCycle(0).setAt(T0.plusMillis(1500))
                .setKind(FaultKind.REFAULT).setPage(50).setPageVersion(1).setLatencyNanos(50_000).setPrefetched(4)
                .build());
        VmStats v = FleetAnalysis.analyse(in, FleetOptions.defaults().withWarmUp(Duration.ZERO), CLOCK).vms()
                .getFirst();
        var p1 = v.series().get(1);
        assertThat(p1.accessed()).isEqualTo(10);
        assertThat(p1.accessedExcludingPrefetch()).as("0, 50 (refaulted) and 51..54 (never out)").isEqualTo(6);
    }

    @Test
    void until_leavesOutLaterScans() {
        FleetInput in = hotWarmCold();
        scans(in, "vm-v", 100, 40, c -> c < 35 ? i -> i < 10 : i -> true, 0);
        VmStats v = FleetAnalysis.analyse(in, FleetOptions.defaults().withUntil(T0.plusSeconds(35)), CLOCK).vms()
                .stream().filter(x -> x.vmId().equals("vm-v")).findFirst().orElseThrow();
        assertThat(v.cycles()).isEqualTo(35);
        assertThat(at(v, 10).pages()).isEqualTo(90);
    }

    @Test
    void hosts_sumTheirVms_andWeightColdSharesByPages() {
        FleetInput in = hotWarmCold().add(registration("vm-c", "host-1", 300));
        scans(in, "vm-c", 300, 40, c -> c == 0 ? i -> true : i -> i < 150, 0);
        in.add(registration("vm-d", "host-2", 100));
        scans(in, "vm-d", 100, 40, c -> i -> true, 0);
        FleetReport r = FleetAnalysis.analyse(in, FleetOptions.defaults().withReclaimAge(Duration.ofSeconds(10)),
                CLOCK);
        assertThat(r.hosts()).hasSize(2);
        var h1 = r.hosts().getFirst();
        assertThat(h1.host()).isEqualTo("host-1");
        assertThat(h1.vms()).isEqualTo(2);
        assertThat(h1.pages()).isEqualTo(400);
        assertThat(h1.cold().getFirst().fraction()).isCloseTo((90 + 150) / 400.0, within(1e-9));
        assertThat(r.vms()).extracting(VmStats::vmId).as("top by reclaimable first").containsExactly("vm-c", "vm-a",
                "vm-d");
    }
}
