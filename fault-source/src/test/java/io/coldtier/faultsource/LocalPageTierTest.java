package io.coldtier.faultsource;

import io.coldtier.faultsource.tier.FetchedPage;
import io.coldtier.faultsource.tier.LocalPageTier;
import io.coldtier.faultsource.tier.PageImage;
import io.coldtier.faultsource.tier.PageKey;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
@Timeout(10)
class LocalPageTierTest {
    static byte[] page(int seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i < 512 ? seed * 31 + i * 7 : i & 3);
        }
        return b;
    }

    @Test
    void storedPage_comesBackByteForByte_compressed() throws Exception {
        try (LocalPageTier tier = new LocalPageTier(); Arena a = Arena.ofConfined()) {
            PageKey k = new PageKey(0, 7);
            tier.store(List.of(new PageImage(k, 1, 0x1234, false, page(7)))).get();
            MemorySegment into = a.allocate(4096);
            FetchedPage f = tier.fetch(k, into);
            assertThat(f).isEqualTo(new FetchedPage(1, 0x1234, false));
            assertThat(into.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(page(7));
            assertThat(tier.storedBytes()).isLessThan(4096);
        }
    }

    @Test
    void zeroPage_storesNoContents_andDropRemovesOnlyTheNamedVersion() throws Exception {
        try (LocalPageTier tier = new LocalPageTier(); Arena a = Arena.ofConfined()) {
            PageKey k = new PageKey(1, 3);
            tier.store(List.of(new PageImage(k, 4, 0, true, new byte[0]))).get();
            assertThat(tier.fetch(k, a.allocate(4096)).zero()).isTrue();
            tier.drop(k, 3);
            assertThat(tier.size()).isEqualTo(1);
            tier.drop(k, 4);
            assertThat(tier.fetch(k, a.allocate(4096))).isNull();
        }
    }

    @Test
    void corruptedCopy_stillFetches_soTheRefaulterCanDetectIt() throws Exception {
        try (LocalPageTier tier = new LocalPageTier(); Arena a = Arena.ofConfined()) {
            PageKey k = new PageKey(0, 1);
            tier.store(List.of(new PageImage(k, 1, 99, false, page(1)))).get();
            tier.corrupt(k);
            MemorySegment into = a.allocate(4096);
            tier.fetch(k, into);
            assertThat(into.toArray(ValueLayout.JAVA_BYTE)).isNotEqualTo(page(1));
        }
    }
}
