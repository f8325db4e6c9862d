package io.coldtier.tierstore;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key layout: compact, parseable, and ordered so a VM's pages form one range. */
@Tag("unit")
@Timeout(10)
class PageStoreKeyTest {
    @Test
    void keyBytes_areLengthPrefixedIdThenRegionThenPage_bigEndian() {
        byte[] key = new PageStoreKey("vm", 1, 2).toBytes();
        assertThat(HexFormat.of().formatHex(key)).isEqualTo("0002" + "766d" + "00000001" + "0000000000000002");
        assertThat(PageStoreKey.fromBytes(key)).isEqualTo(new PageStoreKey("vm", 1, 2));
    }

    @Test
    void keysSortByVmThenRegionThenPage() {
        List<PageStoreKey> ordered = List.of(new PageStoreKey("vm-1", 0, 0), new PageStoreKey("vm-1", 0, 255),
                new PageStoreKey("vm-1", 0, 256), new PageStoreKey("vm-1", 1, 0),
                new PageStoreKey("vm-1", Integer.MAX_VALUE, Long.MAX_VALUE));
        for (int i = 1; i < ordered.size(); i++) {
            assertThat(Arrays.compareUnsigned(ordered.get(i - 1).toBytes(), ordered.get(i).toBytes())).isNegative();
        }
    }

    @Test
    void vmRange_containsEveryKeyOfTheVm_andNoKeyOfAnotherVm() {
        byte[] from = PageStoreKey.vmPrefix("vm-1");
        byte[] to = PageStoreKey.vmUpperBound("vm-1");
        List<PageStoreKey> inside = List.of(new PageStoreKey("vm-1", 0, 0),
                new PageStoreKey("vm-1", Integer.MAX_VALUE, Long.MAX_VALUE));
        List<PageStoreKey> outside = new ArrayList<>(List.of(new PageStoreKey("vm-10", 0, 0),
                new PageStoreKey("vm-0", Integer.MAX_VALUE, Long.MAX_VALUE), new PageStoreKey("vm-2", 0, 0),
                new PageStoreKey("vm-", 0, 0), new PageStoreKey("vm-1\u00ff", 0, 0)));
        for (PageStoreKey k : inside) {
            assertThat(Arrays.compareUnsigned(k.toBytes(), from)).isNotNegative();
            assertThat(Arrays.compareUnsigned(k.toBytes(), to)).isNegative();
        }
        for (PageStoreKey k : outside) {
            byte[] b = k.toBytes();
            assertThat(Arrays.compareUnsigned(b, from) < 0 || Arrays.compareUnsigned(b, to) >= 0)
                    .as("%s is outside the range of vm-1", k).isTrue();
        }
    }

    @Test
    void invalidVmIds_areRejectedWithTheReason() {
        assertThatThrownBy(() -> new PageStoreKey(" ", 0, 0)).hasMessageContaining("blank");
        assertThatThrownBy(() -> new PageStoreKey("x".repeat(256), 0, 0)).hasMessageContaining("limit is 255");
        assertThatThrownBy(() -> new PageStoreKey("vm\ud800", 0, 0)).hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> new PageStoreKey("vm", 0, -1)).hasMessageContaining("page must be >= 0");
        assertThatThrownBy(() -> PageStoreKey.fromBytes(new byte[] {0, 5, 1})).hasMessageContaining("does not match");
    }
}
