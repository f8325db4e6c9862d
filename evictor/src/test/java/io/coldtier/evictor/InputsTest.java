package io.coldtier.evictor;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.roaringbitmap.RoaringBitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(10)
class InputsTest {
    private static ScanInput scan(String vm, long pages, long pageSize, int... accessed) {
        return new ScanInput(vm, 0, 1, 0, pages, pageSize, RoaringBitmap.bitmapOf(accessed), pages, 0);
    }

    @Test
    void scanInput_rejectsAccessedPagesOutsideTheRegion() {
        assertThatThrownBy(() -> scan("vm-a", 8, 4096, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("accessed page 8 is outside region 0 of vm-a (8 pages)");
    }

    @Test
    void scanInput_rejectsBlankVmIds_andPageSizesThatAreNotPowersOfTwo() {
        assertThatThrownBy(() -> scan(" ", 8, 4096)).hasMessage("vmId must be non-blank");
        assertThatThrownBy(() -> scan("vm-a", 8, 4000)).hasMessage("pageSize must be a power of two, got 4000");
        assertThatThrownBy(() -> scan("vm-a", 0, 4096)).hasMessageContaining("pages must be in 1..");
    }

    @Test
    void scanInput_accessedCount_isTheBitmapCardinality() {
        assertThat(scan("vm-a", 8, 4096, 1, 2, 7).accessedCount()).isEqualTo(3);
    }

    @Test
    void faultInput_rejectsNegativePages_andMissingKinds() {
        assertThatThrownBy(() -> new FaultInput("vm-a", 0, 1, 0, FaultKind.REFAULT, -1))
                .hasMessageContaining("page must be in 0..");
        assertThatThrownBy(() -> new FaultInput("vm-a", 0, 1, 0, null, 1)).hasMessage("kind");
    }

    @Test
    void command_comparesByContent_andCopiesItsHistogram() {
        int[] histogram = new int[256];
        histogram[3] = 2;
        Command a = new Command("vm-a", 0, 5, "vm-a/0/5", "idle-age", RoaringBitmap.bitmapOf(1, 2), histogram);
        histogram[3] = 99;
        Command b = new Command("vm-a", 0, 5, "vm-a/0/5", "idle-age", RoaringBitmap.bitmapOf(1, 2), a.ageHistogram());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.ageHistogram()[3]).isEqualTo(2);
    }
}
