package io.coldtier.fleet.internal;

/** Colours for per-VM series (Okabe–Ito, distinguishable with common colour-vision deficiencies) and the CSS. */
public final class Palette {
    private static final String[] COLORS = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
        "#F0E442", "#000000"};

    public static final String CSS = """
            body { margin: 0; background: #f4f5f7; color: #222;
                   font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 15px; }
            main { max-width: 1160px; margin: 0 auto; padding: 16px 20px 40px; }
            h1 { font-size: 26px; margin: 8px 0 14px; }
            h2 { font-size: 19px; margin: 0 0 4px; }
            .card { background: #fff; border: 1px solid #dcdfe4; border-radius: 6px; padding: 14px 18px;
                    margin: 0 0 16px; }
            .caption { color: #555; margin: 0 0 8px; font-size: 14px; }
            .notes { margin: 12px 0 0; padding-left: 20px; color: #333; }
            table { border-collapse: collapse; width: 100%; font-size: 14px; }
            th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #e6e8eb; white-space: nowrap; }
            th { vertical-align: bottom; }
            th:first-child, td:first-child, th.l, td.l { text-align: left; }
            svg.chart { width: 100%; height: auto; display: block; }
            svg.chart text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; fill: #333; }
            svg.chart .tick { font-size: 13px; }
            svg.chart .axis-title { font-size: 14px; fill: #222; }
            svg.chart .legend { font-size: 13.5px; }
            svg.chart .note { font-size: 12px; fill: #666; }
            svg.chart .empty { font-size: 18px; fill: #999; }
            svg.chart .grid { stroke: #e6e8eb; stroke-width: 1; }
            svg.chart .axis { stroke: #666; stroke-width: 1; }
            svg.chart .series { stroke-width: 2.4; stroke-linejoin: round; }
            svg.chart .legend-swatch { stroke-width: 3.5; }
            svg.chart .dashed { stroke-dasharray: 7 5; }
            svg.chart .bar-range { opacity: 0.35; }
            """;

    private Palette() {}

    public static String color(int i) {
        return COLORS[Math.floorMod(i, COLORS.length)];
    }
}
