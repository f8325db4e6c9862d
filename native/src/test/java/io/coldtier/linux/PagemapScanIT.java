package io.coldtier.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** PAGEMAP_SCAN through the bindings, including the stale-walk_end completion rule. */
@Tag("kernel")
@Timeout(60)
class PagemapScanIT {
    static final long PAGE = 4096;

    @Test
    void scanOfManyRuns_countsEveryPresentPageOnce_despiteStaleWalkEnd() {
        KernelTests.assumeUserfaultfd();
        int pages = 8192; // 32 MiB, every other page present: 4096 one-page runs
        try (Memfd memfd = Memfd.create("scan-it", pages * PAGE);
             Mapping m = Mapping.shared(memfd.fd(), pages * PAGE, 0);
             Userfaultfd uffd = Userfaultfd.open(UffdOpenMode.SYSCALL, 0, 0);
             PagemapScan small = PagemapScan.open(Path.of("/proc/self/pagemap"), 512)) {
            memfd.allocate(0, pages * PAGE);
            // WP registration turns fault-around off, so each touch maps exactly one page.
            uffd.register(m.address(), pages * PAGE, Userfaultfd.REGISTER_MODE_MISSING | Userfaultfd.REGISTER_MODE_WP);
            for (int i = 0; i < pages; i += 2) {
                Libc.memset(m.address() + i * PAGE, 1, 1);
            }
            AtomicLong runs = new AtomicLong();
            AtomicLong present = new AtomicLong();
            int calls = small.scan(m.address(), m.address() + pages * PAGE,
                    PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT), (s, e, c) -> {
                        runs.incrementAndGet();
                        present.addAndGet((e - s) / PAGE);
                        assertThat(c & PagemapScan.PAGE_IS_PRESENT).isNotZero();
                    });
            assertThat(runs.get()).isEqualTo(pages / 2);
            assertThat(present.get()).isEqualTo(pages / 2);
            assertThat(calls).as("the vector filled and the walk resumed").isGreaterThan(1);
        }
    }

    @Test
    void pageIsAccessed_isRejectedWithoutRwp_andReportedAsAbsentCapability() {
        KernelTests.assumeUserfaultfd();
        KernelCapabilities caps = KernelCapabilities.probe();
        org.junit.jupiter.api.Assumptions.assumeFalse((caps.features() & UffdFeature.RWP) != 0, "kernel has RWP");
        assertThat(caps.pagemapScan()).isTrue();
        assertThat(caps.pageIsAccessed()).isFalse();
    }
}
