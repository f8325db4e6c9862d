package io.coldtier.vmm.kvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("unit")
@Timeout(30)
class GuestLayoutTest {
    static final long MIB = 1L << 20;

    @ParameterizedTest(name = "{0} MiB, {1} vCPUs, {2}")
    @CsvSource({"4, 1, PAGE_2M", "64, 1, PAGE_2M", "64, 2, PAGE_4K", "1024, 1, PAGE_4K", "1024, 64, PAGE_2M",
            "3072, 4, PAGE_4K"})
    void regions_areOrderedAndDisjoint_andTheDataAreaFillsRam(long mib, int vcpus, GuestPaging paging) {
        GuestLayout l = GuestLayout.of(mib * MIB, vcpus, paging);
        assertThat(GuestLayout.CODE_GPA + GuestLayout.PAGE).isLessThanOrEqualTo(GuestLayout.GDT_GPA);
        assertThat(GuestLayout.TSS_GPA + GuestLayout.PAGE).isLessThanOrEqualTo(GuestLayout.CTRL_GPA);
        assertThat(l.ctrlGpa(GuestLayout.MAX_VCPUS - 1) + GuestLayout.PAGE).isLessThanOrEqualTo(GuestLayout.TABLES_GPA);
        assertThat(GuestLayout.TABLES_GPA + l.tablesPages() * GuestLayout.PAGE).isEqualTo(l.shadowGpa());
        assertThat(l.shadowGpa(l.dataPages())).isLessThanOrEqualTo(l.dataGpa());
        assertThat(l.dataGpa() % GuestLayout.HUGE).isZero();
        assertThat(l.dataGpa() + l.dataPages() * GuestLayout.PAGE).isEqualTo(l.ramBytes());
        assertThat(l.pdCount()).isEqualTo((mib + 1023) / 1024);
        assertThat(l.ptCount()).isEqualTo(paging == GuestPaging.PAGE_4K ? mib / 2 : 0);
    }

    @Test
    void slices_partitionTheDataPagesEvenly() {
        GuestLayout l = GuestLayout.of(64 * MIB, 3, GuestPaging.PAGE_2M);
        long next = 0;
        for (int v = 0; v < 3; v++) {
            assertThat(l.sliceFirstPage(v)).isEqualTo(next);
            assertThat(l.slicePages(v)).isBetween(l.dataPages() / 3, l.dataPages() / 3 + 1);
            next += l.slicePages(v);
        }
        assertThat(next).isEqualTo(l.dataPages());
    }

    @Test
    void oneGib_leavesAlmostAllOfItForData() {
        GuestLayout l = GuestLayout.of(1024 * MIB, 1, GuestPaging.PAGE_2M);
        assertThat(l.dataGpa()).isEqualTo(4 * MIB);
        assertThat(l.dataPages()).isEqualTo((1024 - 4) * 256);
    }

    @Test
    void badSizes_areRejectedWithTheReason() {
        assertThatThrownBy(() -> GuestLayout.of(3 * MIB, 1, GuestPaging.PAGE_2M)).hasMessageContaining("2 MiB");
        assertThatThrownBy(() -> GuestLayout.of(2 * MIB, 1, GuestPaging.PAGE_2M)).hasMessageContaining("data pages");
        assertThatThrownBy(() -> GuestLayout.of(4 * MIB, 64, GuestPaging.PAGE_2M)).hasMessageContaining("per vCPU");
        assertThatThrownBy(() -> GuestLayout.of(128L << 30, 1, GuestPaging.PAGE_2M)).hasMessageContaining("64 GiB");
        assertThatThrownBy(() -> l().dataPageGpa(l().dataPages())).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static GuestLayout l() {
        return GuestLayout.of(8 * MIB, 1, GuestPaging.PAGE_2M);
    }
}
