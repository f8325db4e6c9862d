package io.coldtier.bench.peers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of kernel files and the report; nothing here touches the machine. */
class PeersParsingTest {
    @Test
    void memoryStatV1() {
        String stat = """
                cache 1048576
                shmem 268435456
                rss 4096
                rss_huge 0
                swap 134217728
                pgpgin 100
                total_rss 268435456
                total_swap 134217728
                """;
        MemoryCgroup.Usage u = MemoryCgroup.Usage.fromStat(Sys.keyValues(stat), false, -1);
        assertThat(u.shmemBytes()).isEqualTo(268435456L);
        assertThat(u.swapBytes()).isEqualTo(134217728L);
    }

    @Test
    void memoryStatV2() {
        String stat = "anon 8192\nfile 8192\nshmem 4096\nkernel 12\n";
        MemoryCgroup.Usage u = MemoryCgroup.Usage.fromStat(Sys.keyValues(stat), true, 65536);
        assertThat(u).isEqualTo(new MemoryCgroup.Usage(4096, 65536));
    }

    @Test
    void mmStatWithAndWithoutOptionalFields() {
        ZramMmStat full = ZramMmStat.parse("268435456 134217728 140000000        0 140500000     1024      0       7       7\n");
        assertThat(full).isEqualTo(new ZramMmStat(268435456L, 134217728L, 140000000L, 1024, 7));
        ZramMmStat old = ZramMmStat.parse("100 50 60");
        assertThat(old.origDataSize()).isEqualTo(100);
        assertThat(old.comprDataSize()).isEqualTo(50);
        assertThatThrownBy(() -> ZramMmStat.parse("1 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void vmstatAndKswapdStat() {
        Map<String, Long> vm = Sys.keyValues("nr_free_pages 123\npswpin 42\npswpout 4242\nnot a line\n");
        assertThat(vm).containsEntry("pswpin", 42L).containsEntry("pswpout", 4242L).containsEntry("nr_free_pages", 123L);
        String stat = "56 (kswapd0) S 2 0 0 0 -1 10751040 0 0 0 0 17 25 0 0 20 0 1 0 10 0 0 18446744073709551615";
        assertThat(KernelCounters.cpuTicks(stat)).isEqualTo(42);
        // A comm with spaces and parentheses must not shift the fields.
        String odd = "7 (a) b) S 2 0 0 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 10 0 0 0";
        assertThat(KernelCounters.cpuTicks(odd)).isEqualTo(7);
        KernelCounters d = new KernelCounters(10, 20, 300).minus(new KernelCounters(4, 5, 100));
        assertThat(d).isEqualTo(new KernelCounters(6, 15, 200));
        assertThat(d.kswapdCpuMs()).isEqualTo(2000.0);
    }

    @Test
    void algorithmChoice() {
        assertThat(ZramSwap.chooseAlgorithm("[lzo-rle] lzo lz4 \n")).isEqualTo("lz4");
        assertThat(ZramSwap.chooseAlgorithm("lzo [lzo-rle] zstd\n")).isEqualTo("lzo-rle");
        assertThat(ZramSwap.chooseAlgorithm("lzo [zstd]\n")).isEqualTo("zstd");
    }

    @Test
    void guestOutput() {
        Map<String, Long> f = Sys.keyValues("ops 100\nops_per_s 5642985\nstime_ms 12.6\nready\n");
        assertThat(f).containsEntry("ops_per_s", 5642985L).containsEntry("stime_ms", 13L).doesNotContainKey("ready");
    }

    @Test
    void tableTargetsAndJson() {
        long guest = 512L << 20;
        PeerRow none = new PeerRow("none", -1, guest, guest, 5_000_000, 100, 40_000, 90_000, 0, 0, 10, 0, "—", 14000, 20000,
                Double.NaN, 50, 1.0,
                new PeerRow.Probe(0, 0, 0), 15, 5_000_000);
        PeerRow coldtier = new PeerRow("coldtier", -1, guest / 4, guest / 4, 4_000_000, 2000, 60_000, 300_000, 1900,
                9000, 400, 300L << 20, "RocksDB 80.0 MiB, Kafka log 300.0 MiB on disk", 14100, 20100, 16000, 1200, 0.7,
                new PeerRow.Probe(2000, 60_000, 300_000), 40, 2_500_000);
        PeerRow zram = new PeerRow("kernel-zram", guest / 4 + (2 << 20), guest / 4, guest / 4, 4_500_000, 2100, 8_000,
                30_000, 2000, 700, 1200, 400L << 20, "zram orig 384.0 MiB / compr 100.0 MiB", 14050, 20050, Double.NaN, 40, 0.99,
                new PeerRow.Probe(2000, 8_000, 30_000), 15, 4_500_000);
        EngineFloor.FloorRow arm = new EngineFloor.FloorRow("arm", "ms/GiB", 60, 40, "ZapTracker.arm");
        PeersReport.Input in = new PeersReport.Input(List.of(none, coldtier, zram), guest, "Machine: \"x\".", "Setup.",
                null, List.of(arm), null, "no DAMON here", List.of("a note"), 300);
        String md = PeersReport.markdown(in);
        assertThat(md).contains("Machine: \"x\".").contains("Setup.")
                .contains("| coldtier | — | 128.0 MiB | 75.0 % | 4.00 M | 0.800 | 40 s at 0.50 | 60.0 µs (2000) | 300.0 µs "
                        + "| 2000 | 60.0 µs | 300.0 µs | 1200 ms | 70 % | 1900 | 9000 ms | 400 ms | 300.0 MiB | RocksDB 80.0 MiB, Kafka log 300.0 MiB on disk |")
                .contains("| kernel-zram | 130.0 MiB (25 %) | 128.0 MiB | 75.0 % | 4.50 M | 0.900 |")
                .contains("DAMON could not be measured: no DAMON here").contains("- a note");
        // slowdowns 1.25x vs 1.11x -> 1.125x (met); refault p50 60 vs 8 us -> 7.5x (missed); arm 60/40 -> 1.5x (met)
        List<PeersReport.Target> t = PeersReport.targets(in);
        assertThat(t).extracting(PeersReport.Target::met).containsExactly(true, false, true);
        assertThat(t.get(0).ratio()).isCloseTo(1.125, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(t.get(1).ratio()).isEqualTo(7.5);
        assertThat(md).contains("| refault p50 vs zram swap-in p50 (probe: a page that is out, read once) | 60.0 µs | 8.0 µs "
                + "| 7.50× | ≤ 3.0× | **missed** |");
        String json = PeersReport.json(in);
        assertThat(json).contains("\"machine\": \"Machine: \\\"x\\\".\"")
                .contains("\"residentSavedPct\": 75.00").contains("\"opsRelative\": 0.8000")
                .contains("\"estimatedWsPages\": null").contains("\"met\": false")
                .contains("\"damon\": {\"unavailable\": \"no DAMON here\"}").contains("\"probeP50Us\": 60.00");
        String html = PeersReport.html(in);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("kernel-zram 130.0 MiB (25 %)")
                .doesNotContain("<script");
    }

    @Test
    void floorLabels() {
        assertThat(PeersReport.shortLabel("arm, every page present (dirty PTEs)")).isEqualTo("arm");
        assertThat(PeersReport.shortLabel("freeze, 256-page calls (one executor batch)")).isEqualTo("freeze 256-page");
        assertThat(PeersReport.shortLabel("refault p50 (same CPU)")).isEqualTo("refault p50");
    }

    @Test
    void options() {
        PeersBench.Options o = PeersBench.Options.of(java.nio.file.Path.of("x.md"), "256m", null, null, List.of(50, 25),
                null, null, true);
        assertThat(o.guestBytes()).isEqualTo(256L << 20);
        assertThat(o.seconds()).isEqualTo(6);
        assertThat(o.warmupSeconds()).isEqualTo(10);
        assertThat(o.policy()).isEqualTo("idle-age:cycles=3");
        assertThat(o.params().hotAccessPpm()).isEqualTo(999_900);
        assertThatThrownBy(() -> PeersBench.Options.of(java.nio.file.Path.of("x.md"), "256m", null, null, List.of(100),
                null, null, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PeersBench.Options.of(java.nio.file.Path.of("x.md"), "256m", null, null, List.of(),
                1.5, null, false)).hasMessageContaining("--cold-access");
    }
}
