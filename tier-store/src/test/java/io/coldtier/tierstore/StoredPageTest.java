package io.coldtier.tierstore;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** StoredPage refuses to exist in an inconsistent shape. */
@Tag("unit")
@Timeout(10)
class StoredPageTest {
    @Test
    void zeroPage_withContents_isRejected() {
        assertThatThrownBy(() -> new StoredPage("vm", 0, 0, 1, 0, true, StoredPage.Compression.NONE, 4096,
                new byte[1])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero page");
        assertThatThrownBy(() -> new StoredPage("vm", 0, 0, 1, 0, true, StoredPage.Compression.LZ4, 4096,
                new byte[0])).hasMessageContaining("zero page");
    }

    @Test
    void rawPage_mustBeRawLengthBytes() {
        assertThatThrownBy(() -> new StoredPage("vm", 0, 0, 1, 0, false, StoredPage.Compression.NONE, 4096,
                new byte[100])).hasMessageContaining("rawLength (4096)");
    }

    @Test
    void lz4Page_mustHaveContents_andSaneLengths() {
        assertThatThrownBy(() -> StoredPage.lz4("vm", 0, 0, 1, 0, 4096, new byte[0]))
                .hasMessageContaining("LZ4 contents");
        assertThatThrownBy(() -> StoredPage.lz4("vm", 0, 0, 1, 0, 0, new byte[1])).hasMessageContaining("rawLength");
        assertThatThrownBy(() -> StoredPage.lz4("vm", 0, 0, 1, 0, StoredPage.MAX_RAW_LENGTH + 1, new byte[1]))
                .hasMessageContaining("rawLength");
        assertThatThrownBy(() -> StoredPage.lz4("vm", 0, 0, -1, 0, 4096, new byte[1])).hasMessageContaining("version");
    }

    @Test
    void equality_comparesContentsByValue() {
        assertThat(StoredPage.raw("vm", 0, 0, 1, 2, new byte[] {1, 2}))
                .isEqualTo(StoredPage.raw("vm", 0, 0, 1, 2, new byte[] {1, 2}))
                .hasSameHashCodeAs(StoredPage.raw("vm", 0, 0, 1, 2, new byte[] {1, 2}))
                .isNotEqualTo(StoredPage.raw("vm", 0, 0, 1, 2, new byte[] {1, 3}));
    }
}
