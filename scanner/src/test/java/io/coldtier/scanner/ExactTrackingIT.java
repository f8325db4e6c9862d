package io.coldtier.scanner;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hot set a cycle reports equals, page for page, what the guest touched during its interval
 * (precision = recall = 1.0), over many cycles of a known pattern: reads, writes, sweeps.
 */
@Tag("kernel")
@Timeout(180)
class ExactTrackingIT {
    static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");

    @Test
    void hotSet_equalsGroundTruthPerPage_onShmem4k() throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        runExactCycles(RegionSpec.local(0, 4096 * 4096L, 4096), 12);
    }

    @Test
    void hotSet_equalsGroundTruthPer2MiBPage_onHugetlbfs() throws Exception {
        KernelTestSupport.assumeUserfaultfd();
        long want = 16; // 32 MiB
        String before = Files.readString(NR_HUGEPAGES).trim();
        try {
            reserveHugePages(Long.parseLong(before) + want);
            long free = meminfo("HugePages_Free");
            Assumptions.assumeTrue(free >= want, "could not reserve " + want + " huge pages (free: " + free
                    + "); hugetlbfs tracking is tested where huge pages can be reserved");
            runExactCycles(RegionSpec.local(0, want * RegionSpec.PAGE_2M, RegionSpec.PAGE_2M), 6);
        } finally {
            reserveHugePages(Long.parseLong(before));
        }
    }

    private static void runExactCycles(RegionSpec spec, int cycles) throws Exception {
        try (GuestMemory mem = GuestMemory.create(List.of(spec), Registration.ZAP);
             LocalPageTier tier = new LocalPageTier();
             ZapTracker tracker = new ZapTracker(mem);
             Arena arena = Arena.ofShared()) {
            GuestRegion r = mem.region(0);
            r.memfd().allocate(0, r.size()); // every page exists: no hole faults muddle the picture
            MemorySegment buf = arena.allocate(r.pageSize(), 4096);
            TrackingEngine engine = new TrackingEngine(mem, tier, tracker, (scan, ev) -> new RoaringBitmap(),
                    TrackingEngine.Config.defaults().withEvict(false), Clock.systemUTC(), "exact");
            SplittableRandom rnd = new SplittableRandom(1234);
            long pages = r.pages();
            long truePositives = 0;
            long reported = 0;
            long touched = 0;
            try {
                for (int c = 0; c < cycles; c++) {
                    Instant at = engine.arm();
                    RoaringBitmap truth = new RoaringBitmap();
                    int kind = c % 3;
                    for (long p = 0; p < pages; p++) {
                        boolean touch = switch (kind) {
                            case 0 -> rnd.nextInt(20) == 0;                  // scattered 5 %
                            case 1 -> p % 7 == c % 7;                        // strided
                            default -> p >= (c * pages / cycles) && p < (c * pages / cycles) + pages / 10; // sweep
                        };
                        if (touch) {
                            truth.add((int) p);
                        }
                    }
                    boolean write = c % 2 == 1;
                    KernelTestSupport.onPlatformThread(() -> truth.forEach((int p) -> {
                        long addr = r.pageAddress(p);
                        if (write) {
                            Libc.memset(addr + 64, p & 0xff, 8);
                        } else {
                            Libc.memcpy(buf.address(), addr, 8);
                        }
                    }));
                    RoaringBitmap hot = engine.finishCycle(at, 0).getFirst().scan().accessed();
                    assertThat(hot).as("cycle %d (%s)", c, write ? "writes" : "reads").isEqualTo(truth);
                    truePositives += RoaringBitmap.andCardinality(hot, truth);
                    reported += hot.getLongCardinality();
                    touched += truth.getLongCardinality();
                }
            } finally {
                engine.close();
            }
            double precision = (double) truePositives / reported;
            double recall = (double) truePositives / touched;
            System.out.printf("exact tracking (%d KiB pages): %d cycles, %d pages touched, precision %.3f recall %.3f%n",
                    r.pageSize() >> 10, cycles, touched, precision, recall);
            assertThat(precision).isEqualTo(1.0);
            assertThat(recall).isEqualTo(1.0);
        }
    }

    private static void reserveHugePages(long n) throws IOException {
        try {
            Files.writeString(NR_HUGEPAGES, Long.toString(n));
        } catch (IOException e) {
            Assumptions.assumeTrue(false, "cannot write " + NR_HUGEPAGES + ": " + e.getMessage());
        }
    }

    private static long meminfo(String key) throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith(key + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(key.length() + 1).trim().split("\\s+")[0]))
                .findFirst().orElse(0);
    }
}
