package io.coldtier.workload;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.coldtier.workload.PageFormat.FORMAT_BYTES;
import static io.coldtier.workload.PageFormat.Verdict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class PageFormatTest {
    private final MemorySegment page = MemorySegment.ofArray(new byte[FORMAT_BYTES]);

    @Test
    void fill_thenVerify_isOkAndCarriesHeaderFields() {
        PageFormat.fill(page, 1234, 7, 3);

        assertThat(PageFormat.verify(page, 1234, 7)).isEqualTo(Verdict.OK);
        assertThat(PageFormat.index(page)).isEqualTo(1234);
        assertThat(PageFormat.version(page)).isEqualTo(7);
        assertThat(PageFormat.writer(page)).isEqualTo(3);
        assertThat(page.get(ValueLayout.JAVA_BYTE, 7)).as("magic in the top bytes")
                .isEqualTo((byte) 0xC0);
    }

    @Test
    void fill_sameIndexAndVersion_isDeterministic_andVersionsDiffer() {
        MemorySegment again = MemorySegment.ofArray(new byte[FORMAT_BYTES]);
        MemorySegment next = MemorySegment.ofArray(new byte[FORMAT_BYTES]);
        PageFormat.fill(page, 5, 2, 0);
        PageFormat.fill(again, 5, 2, 0);
        PageFormat.fill(next, 5, 3, 0);

        assertThat(page.mismatch(again)).isEqualTo(-1);
        assertThat(page.asSlice(24).mismatch(next.asSlice(24))).as("payload depends on the version").isNotEqualTo(-1);
    }

    @Test
    void zeroPage_withExpectedZero_isNeverWritten() {
        assertThat(PageFormat.verify(page, 9, 0)).isEqualTo(Verdict.NEVER_WRITTEN);
        assertThat(Verdict.NEVER_WRITTEN.valid()).isTrue();
    }

    @Test
    void zeroPage_afterAWrite_isZeroed() {
        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.ZEROED);
        assertThat(Verdict.ZEROED.valid()).isFalse();
    }

    @Test
    void flippedPayloadByte_isBadChecksum() {
        PageFormat.fill(page, 9, 4, 1);
        page.set(ValueLayout.JAVA_BYTE, 3000, (byte) (page.get(ValueLayout.JAVA_BYTE, 3000) ^ 1));

        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.BAD_CHECKSUM);
    }

    @Test
    void versionRewrittenInHeader_isBadChecksum_becausePayloadBelongsToAnotherVersion() {
        PageFormat.fill(page, 9, 4, 1);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 5L);

        assertThat(PageFormat.verify(page, 9, 5)).isEqualTo(Verdict.BAD_CHECKSUM);
    }

    @Test
    void olderVersion_isStaleVersion_aLostWrite() {
        PageFormat.fill(page, 9, 3, 1);

        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.STALE_VERSION);
    }

    @Test
    void newerVersion_orWrittenWhenNeverExpected_isFutureVersion() {
        PageFormat.fill(page, 9, 5, 1);

        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.FUTURE_VERSION);
        assertThat(PageFormat.verify(page, 9, 0)).isEqualTo(Verdict.FUTURE_VERSION);
    }

    @Test
    void imageOfAnotherPage_isWrongIndex() {
        PageFormat.fill(page, 10, 4, 1);

        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.WRONG_INDEX);
    }

    @Test
    void nonZeroGarbage_isBadMagic() {
        page.fill((byte) 0x5A);

        assertThat(PageFormat.verify(page, 9, 4)).isEqualTo(Verdict.BAD_MAGIC);
    }

    @Test
    void zeroHeaderWithPayload_isNotMistakenForNeverWritten() {
        PageFormat.fill(page, 9, 1, 0);
        page.asSlice(0, 24).fill((byte) 0);

        assertThat(PageFormat.verify(page, 9, 0)).isEqualTo(Verdict.BAD_MAGIC);
    }

    @Test
    void fill_rejectsVersionZero_andShortScratch() {
        assertThatThrownBy(() -> PageFormat.fill(page, 1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageFormat.fill(MemorySegment.ofArray(new byte[100]), 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
