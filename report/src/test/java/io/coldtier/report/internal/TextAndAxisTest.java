package io.coldtier.report.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The formatting and axis helpers every chart relies on. */
class TextAndAxisTest {
    @Test
    void esc_markupQuotesAndControlCharacters_becomeSafeText() {
        assertThat(Text.esc("<a href=\"x\">&'</a>")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
        assertThat(Text.esc("bell\u0007")).isEqualTo("bell\uFFFD");
        assertThat(Text.esc(null)).isEmpty();
    }

    @Test
    void numbers_nonFinite_showAsDash() {
        assertThat(Text.num(Double.NaN, 1)).isEqualTo(Text.NONE);
        assertThat(Text.micros(Double.POSITIVE_INFINITY)).isEqualTo(Text.NONE);
        assertThat(Text.percent(Double.NaN)).isEqualTo(Text.NONE);
        assertThat(Text.compact(Double.NaN)).isEqualTo(Text.NONE);
    }

    @Test
    void compact_largeAndSmallValues_areShortLabels() {
        assertThat(Text.compact(0)).isEqualTo("0");
        assertThat(Text.compact(2.5)).isEqualTo("2.5");
        assertThat(Text.compact(5000)).isEqualTo("5000");
        assertThat(Text.compact(15_000)).isEqualTo("15k");
        assertThat(Text.compact(1_500_000)).isEqualTo("1.5M");
        assertThat(Text.micros(41)).isEqualTo("41 µs");
        assertThat(Text.micros(25_000)).isEqualTo("25 ms");
        assertThat(Text.bytes(1L << 30)).isEqualTo("1 GiB");
        assertThat(Text.percent(0.4321)).isEqualTo("43.2 %");
    }

    @Test
    void nice_range_coversTheDataWithRoundTicks() {
        Axis a = Axis.nice(0, 1024, 5);
        assertThat(a.min()).isZero();
        assertThat(a.max()).isGreaterThanOrEqualTo(1024);
        assertThat(a.ticks()).contains(0.0, 250.0, 500.0).hasSizeLessThanOrEqualTo(7);
        assertThat(a.map(a.max(), 100, 0)).isEqualTo(0.0);
    }

    @Test
    void nice_degenerateOrMissingRange_isWidened() {
        assertThat(Axis.nice(0, 0, 5).max()).isPositive();
        assertThat(Axis.nice(7, 7, 5).ticks()).hasSizeGreaterThan(1);
        assertThat(Axis.nice(Double.NaN, Double.POSITIVE_INFINITY, 5).ticks()).hasSizeGreaterThan(1);
    }

    @Test
    void ticks_ofExactBounds_areTheRoundValuesInside() {
        assertThat(new Axis(1, 120, 20).ticks()).containsExactly(20.0, 40.0, 60.0, 80.0, 100.0, 120.0);
    }

    @Test
    void color_scale_runsFromDarkToBright() {
        int dark = HeatmapChart.color(0), bright = HeatmapChart.color(1);
        assertThat(dark).isEqualTo(0x440154);
        assertThat(bright).isEqualTo(0xfde725);
        assertThat(HeatmapChart.color(-1)).isEqualTo(dark);
        assertThat(HeatmapChart.color(Double.NaN)).isEqualTo(dark);
    }
}
