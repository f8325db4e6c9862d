package io.coldtier.report.internal;

/**
 * The page's only stylesheet, inline so the report needs no other file. Font sizes are in SVG user units for the
 * charts: a chart's viewBox is {@value Svg#WIDTH} wide and the page column is about as wide, so 13 units ≈ 13 px.
 * No {@code <} or {@code &} in here: the page must stay XML-parseable.
 */
final class Style {
    static final String CSS = """
            body { margin: 0; background: #f4f5f7; color: #222;
                   font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 15px; }
            main { max-width: 1160px; margin: 0 auto; padding: 16px 20px 40px; }
            h1 { font-size: 26px; margin: 8px 0 14px; }
            h1 .vm { color: #555; font-weight: normal; }
            h2 { font-size: 19px; margin: 0 0 4px; }
            .card, .headline { background: #fff; border: 1px solid #dcdfe4; border-radius: 6px;
                               padding: 14px 18px; margin: 0 0 16px; }
            .caption { color: #555; margin: 0 0 8px; font-size: 14px; }
            .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
            .tile { border-radius: 6px; padding: 10px 14px; border: 2px solid #c9ced6; }
            .tile .label { font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: 0.04em; }
            .tile .value { font-size: 28px; white-space: nowrap; font-weight: bold; margin: 2px 0; }
            .tile .detail { font-size: 13px; color: #555; }
            .tile.good { border-color: #1b9e77; background: #eef8f4; }
            .tile.good .value { color: #12734f; }
            .tile.bad { border-color: #d7191c; background: #fdecec; }
            .tile.bad .value { color: #c00000; }
            .notes { margin: 12px 0 0; padding-left: 20px; color: #333; }
            table { border-collapse: collapse; width: 100%; font-size: 14px; }
            th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e6e8eb; vertical-align: top; }
            table.info th { width: 170px; color: #555; font-weight: normal; }
            table.decisions td.evidence { color: #444; word-break: break-word; }
            tr.omitted td, td.omitted { text-align: center; color: #777; font-style: italic; background: #f7f7f7; }
            code.feature { background: #eef0f3; border-radius: 3px; padding: 1px 5px; margin: 1px 0;
                           display: inline-block; font-size: 13px; }
            svg.chart { width: 100%; height: auto; display: block; }
            svg.chart text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; fill: #333; }
            svg.chart .tick { font-size: 13px; }
            svg.chart .axis-title { font-size: 14px; fill: #222; }
            svg.chart .legend { font-size: 13.5px; }
            svg.chart .note { font-size: 12px; fill: #666; }
            svg.chart .empty { font-size: 18px; fill: #999; }
            svg.chart .marker-label { font-size: 13px; font-weight: bold; }
            svg.chart .grid { stroke: #e6e8eb; stroke-width: 1; }
            svg.chart .axis { stroke: #666; stroke-width: 1; }
            svg.chart .series { stroke-width: 2.4; stroke-linejoin: round; }
            svg.chart .legend-swatch { stroke-width: 3.5; }
            svg.chart .dashed { stroke-dasharray: 7 5; }
            svg.chart .percentile { stroke-width: 2; }
            """;

    private Style() {}
}
