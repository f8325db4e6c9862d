package io.coldtier.agent.host;

import io.coldtier.faultsource.GuestMemory;
import io.coldtier.faultsource.GuestRegion;
import io.coldtier.faultsource.RegionSpec;
import io.coldtier.faultsource.Registration;
import io.coldtier.linux.KernelTests;
import io.coldtier.linux.Libc;
import io.coldtier.linux.Memfd;
import io.coldtier.linux.Mapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memfd side of recovery: a page is a hole iff it was never written or was punched; a page written with
 * zeros is data. This is what tells an evicted page from a resident all-zero one after an agent restart.
 */
@Tag("kernel")
@Timeout(30)
class RecoveryHolesIT {
    @Test
    void holes_areNeverWrittenOrPunchedPages_notPagesHoldingZeros() {
        KernelTests.assumeUserfaultfd();
        try (Memfd memfd = Memfd.create("holes", 64 * 4096L);
             Mapping map = Mapping.shared(memfd.fd(), 64 * 4096L, 0);
             Arena arena = Arena.ofConfined()) {
            Libc.memset(map.address() + 3 * 4096, 0, 4096);          // written, zeros
            Libc.memset(map.address() + 10 * 4096, 0x5a, 3 * 4096);  // 10, 11, 12
            memfd.punchHole(11 * 4096, 4096);                         // evicted-like
            MemorySegment page = arena.allocate(4096);
            memfd.pwrite(page, 4096, 63 * 4096);                      // last page, through the fd
            assertThat(memfd.seekData(0)).isEqualTo(3 * 4096);
            assertThat(memfd.seekHole(3 * 4096)).isEqualTo(4 * 4096);
            assertThat(memfd.seekData(64 * 4096)).as("past the end: ENXIO").isEqualTo(-1);

            try (GuestMemory mem = GuestMemory.create(List.of(RegionSpec.local(0, 64 * 4096L, 4096)),
                    Registration.ZAP)) {
                GuestRegion r = mem.region(0);
                // Through the memfd, not the registered mapping (nobody answers faults in this test).
                r.memfd().pwrite(page.fill((byte) 1), 4096, r.memfdOffset(0));
                RoaringBitmap holes = Recovery.holes(r);
                assertThat(holes.contains(0)).isFalse();
                assertThat(holes.getCardinality()).isEqualTo(63);
            }
        }
    }
}
