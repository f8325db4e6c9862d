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
                rss 268435456
                rss_huge 0
                swap 134217728
                pgpgin 100
                total_rss 268435456
                total_swap 134217728
                """;
        MemoryCgroup.Usage u = MemoryCgroup.Usage.fromStat(Sys.keyValues(stat), false, -1);
        assertThat(u.anonBytes()).isEqualTo(268435456L);
        assertThat(u.swapBytes()).isEqualTo(134217728L);
    }

    @Test
    void memoryStatV2() {
        String stat = "anon 4096\nfile 8192\nkernel 12\n";
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
    void tableAndJson() {
        long guest = 512L << 20;
        PeerRow none = new PeerRow("none", -1, guest, 0, 5_000_000, 100, 40_000, 90_000, 0, 0, 0, 10, -1, -1);
        PeerRow zram = new PeerRow("kernel-zram", guest / 2, guest / 2, guest / 2, 2_500_000, 5000, 8_000, 30_000,
                5000, 70000, 120, 3000, 256L << 20, 130L << 20);
        String md = PeersReport.markdown(List.of(none, zram), guest, "Machine: test.", "Setup.");
        assertThat(md).contains("Machine: test.")
                .contains("| none | — | 512.0 MiB | 0.0 % | 5.00 M | 1.00 | 100 | 40.0 µs | 90.0 µs | 0 | 0 ms | 10 ms | 0.0 MiB | — |")
                .contains("| kernel-zram | 256.0 MiB (50 %) | 256.0 MiB | 50.0 % | 2.50 M | 0.50 | 5000 | 8.0 µs | 30.0 µs "
                        + "| 5000 | 120 ms | 3000 ms | 273.4 MiB | 256.0 MiB / 130.0 MiB |");
        String json = PeersReport.json(List.of(none, zram), guest, "Machine: \"x\"");
        assertThat(json).contains("\"machine\": \"Machine: \\\"x\\\"\"")
                .contains("\"residentSavedPct\": 50.00").contains("\"opsRelative\": 0.5000")
                .contains("\"bytesWrittenToTier\": " + 70000L * 4096);
    }

    @Test
    void options() {
        PeersBench.Options o = PeersBench.Options.of(java.nio.file.Path.of("x.md"), "256m", null, List.of(50, 25), true);
        assertThat(o.guestBytes()).isEqualTo(256L << 20);
        assertThat(o.seconds()).isEqualTo(6);
        assertThatThrownBy(() -> PeersBench.Options.of(java.nio.file.Path.of("x.md"), "256m", null, List.of(100), false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
