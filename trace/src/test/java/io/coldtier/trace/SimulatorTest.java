package io.coldtier.trace;

import io.coldtier.evictor.Command;
import io.coldtier.evictor.Evictor;
import io.coldtier.evictor.PolicyConfig;
import io.coldtier.evictor.service.AvroMapping;
import io.coldtier.schemas.avro.FaultKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.coldtier.trace.LibCacheSimCsvTest.fault;
import static io.coldtier.trace.LibCacheSimCsvTest.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(60)
class SimulatorTest {
    private static final TraceRecord.Position P = new TraceRecord.Position("t", 0, 0);

    @TempDir
    Path dir;

    @Test
    void simulator_emitsExactlyTheCommandsOfAnEvictorFedTheSameRecords() {
        List<TraceRecord> records = new SyntheticTrace(3, 8192, 40, 1_000_000, 0.05, 0.05, 8, 11).records();
        for (String spec : List.of("idle-age:cycles=3", "budget:resident=40%", "refault-slo:target=0.2%/min,min=1,max=8")) {
            List<Command> simulated = new ArrayList<>();
            Simulator sim = new Simulator(spec, 0.2, simulated::add);
            records.forEach(sim);

            Evictor direct = new Evictor(PolicyConfig.of(spec));
            List<Command> expected = new ArrayList<>();
            for (TraceRecord r : records) {
                switch (r) {
                    case TraceRecord.Scan s -> direct.onScan(AvroMapping.toScanInput(s.value())).ifPresent(expected::add);
                    case TraceRecord.Fault f -> direct.onFault(AvroMapping.toFaultInput(f.value()));
                }
            }
            assertThat(simulated).as(spec).isNotEmpty().isEqualTo(expected);
            assertThat(sim.result().commands()).isEqualTo(expected.size());
        }
    }

    @Test
    void residencyModel_countsAccessesToEvictedPagesAsRefaults_butNotPrefetches() {
        List<Command> commands = new ArrayList<>();
        Simulator sim = new Simulator("idle-age:cycles=1", 0.2, commands::add);
        int[] hot = range(0, 32);
        sim.accept(new TraceRecord.Scan(scan("vm", 0, 1, hot), P));
        sim.accept(new TraceRecord.Scan(scan("vm", 0, 2, hot), P));
        RoaringBitmap evicted = new RoaringBitmap();
        commands.forEach(c -> evicted.or(c.pages()));
        assertThat(evicted.contains(40) && evicted.contains(50) && evicted.contains(60)).isTrue();
        long before = evicted.getLongCardinality();

        sim.accept(new TraceRecord.Scan(scan("vm", 0, 3, append(hot, 40)), P));
        sim.accept(new TraceRecord.Fault(fault("vm", 0, 3, FaultKind.REFAULT, 50), P));
        sim.accept(new TraceRecord.Fault(fault("vm", 0, 3, FaultKind.PREFETCH, 60), P));
        sim.accept(new TraceRecord.Fault(fault("vm", 0, 3, FaultKind.REFAULT, 1), P));   // resident: no refault

        SimResult r = sim.result();
        assertThat(r.refaults()).isEqualTo(2);
        assertThat(r.scans()).isEqualTo(3);
        assertThat(r.faults()).isEqualTo(3);
        assertThat(r.pageStates()).isEqualTo(3 * 64);
        assertThat(r.savedPercent()).hasSize(3);
        assertThat(r.savedPercent()[1]).isEqualTo(100.0 * before / 64);
        // 2 refaults in the minute against a 33-page working set: far above 0.2 %/min.
        assertThat(r.sloViolations()).isEqualTo(1);
        assertThat(r.violationCycles()).containsExactly("vm/0/3");
        assertThat(r.refaultRatePerMinute()).containsExactly(100.0 * 2 / 33);
        assertThat(r.savedP5Percent()).isLessThanOrEqualTo(r.savedMeanPercent());
    }

    @Test
    void duplicateAndRejectedScans_changeNothing() {
        Simulator sim = new Simulator("idle-age:cycles=1", 0.2);
        sim.accept(new TraceRecord.Scan(scan("vm", 0, 1, 1, 2), P));
        sim.accept(new TraceRecord.Scan(scan("vm", 0, 1, 1, 2), P));                 // same cycle again
        var resized = scan("vm", 0, 2, 3);
        resized.setPages(128);
        sim.accept(new TraceRecord.Scan(resized, P));                                  // region resized: rejected
        sim.accept(new TraceRecord.Fault(fault("other", 0, 1, FaultKind.REFAULT, 5), P));   // before any scan
        SimResult r = sim.result();
        assertThat(r.pageStates()).isEqualTo(64);
        assertThat(r.rejected()).isEqualTo(1);
        assertThat(r.refaults()).isZero();
    }

    @Test
    void replayOfATraceFile_equalsReplayOfTheRecordsItWasWrittenFrom() {
        List<TraceRecord> records = new SyntheticTrace(2, 4096, 90, 1_000_000, 0.05, 0.1, 6, 5).records();
        Path file = dir.resolve("r.trace");
        TraceFile.write(file, records, TraceFile.Compression.ZSTD, Map.of());
        List<String> specs = List.of("idle-age:cycles=2", "refault-slo:target=0.5%/min,max=10");

        List<SimResult> fromFile = Replay.runFile(file, specs, 0.2);
        List<SimResult> fromMemory = Replay.run(records, specs, 0.2);

        assertThat(fromFile).extracting(SimResult::fingerprint)
                .containsExactlyElementsOf(fromMemory.stream().map(SimResult::fingerprint).toList());
        assertThat(fromFile.getFirst().minutes()).hasSizeGreaterThan(1);
        String table = ReplayReport.table(fromFile);
        assertThat(table).contains("idle-age:cycles=2").contains("refault-slo:target=0.5%/min,max=10");
        assertThat(ReplayReport.json(fromFile)).contains("\"memorySavedP5Percent\"");
        assertThat(ReplayReport.html("t", fromFile)).contains("<svg").contains("Memory saved over time");
    }

    @Test
    void parsePolicies_splitsOnCommasButKeepsParameters_andFillsABareBudget() {
        assertThat(Replay.parsePolicies(List.of("idle-age:cycles=3,refault-slo:target=0.2%/min,min=2,budget"), "60%"))
                .containsExactly("idle-age:cycles=3", "refault-slo:target=0.2%/min,min=2", "budget:resident=60%");
        assertThat(Replay.parsePolicies(List.of("idle-age", "budget:resident=1GiB"), null))
                .containsExactly("idle-age", "budget:resident=1GiB");
        assertThatThrownBy(() -> Replay.parsePolicies(List.of(" , "), null)).hasMessageContaining("no policy");
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static int[] append(int[] a, int v) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }
}
