package io.coldtier.report;

import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.Heatmap;
import io.coldtier.report.RunRecording.LatencyHistogram;
import io.coldtier.report.RunRecording.Outcome;
import io.coldtier.report.internal.HeatmapChart;
import io.coldtier.report.internal.HtmlPage;
import io.coldtier.report.internal.Text;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The report from synthetic recordings: files, well-formed markup, charts carrying data, JSON values, edge cases. */
class ReportWriterTest {
    @TempDir
    Path dir;

    @Test
    void write_syntheticRun_writesHtmlAndSummaryIntoNewDirectory() throws Exception {
        Path out = dir.resolve("a/b/report");
        ReportFiles files = ReportWriter.write(SyntheticRun.recording(), out);
        assertThat(files.html()).isEqualTo(out.resolve("report.html")).isRegularFile();
        assertThat(files.summaryJson()).isEqualTo(out.resolve("summary.json")).isRegularFile();
        assertThat(Files.list(out).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                "report.html", "summary.json");
        // Offline: nothing fetched from anywhere (the only URLs are the xmlns names), no scripts.
        String html = Files.readString(files.html());
        assertThat(html).doesNotContain("<script", "<link", "@import", "url(http")
                .doesNotContainPattern("(src|href)=\"(https?:|//)");
        assertThat(Files.size(files.html())).isLessThan(1_000_000);
    }

    @Test
    void html_syntheticRun_isWellFormedAndEveryChartCarriesData() throws Exception {
        Document doc = parse(ReportWriter.write(SyntheticRun.recording(), dir).html());
        for (String id : HtmlPage.CHART_IDS) {
            Element svg = byId(doc, id);
            assertThat(svg.getTagName()).as(id).isEqualTo("svg");
            assertThat(Long.parseLong(svg.getAttribute("data-points"))).as(id + " data-points").isPositive();
        }
        Element memory = byId(doc, "chart-memory");
        assertThat(memory.getAttribute("data-points")).isEqualTo(String.valueOf(3 * SyntheticRun.CYCLES));
        assertThat(count(doc, "//*[@id='chart-memory']//*[local-name()='path' and contains(@class,'series')]"))
                .isEqualTo(4);
        assertThat(count(doc, "//*[@id='chart-throughput']//*[local-name()='path' and contains(@class,'series')]"))
                .isEqualTo(2);
        assertThat(count(doc, "//*[@id='chart-cycles']//*[local-name()='rect' and @class='bar']")).isGreaterThan(100);
        assertThat(count(doc, "//*[@id='chart-latency']//*[local-name()='rect' and @class='bar']")).isGreaterThan(5);
        assertThat(count(doc, "//*[@id='chart-latency']//*[@data-percentile]")).isEqualTo(2);
        assertThat(count(doc, "//*[@id='chart-heatmap']//*[local-name()='image']")).isEqualTo(1);
        assertThat(byId(doc, "chart-heatmap").getAttribute("data-columns")).isEqualTo("120");
        assertThat(byId(doc, "chart-heatmap").getAttribute("data-rows")).isEqualTo("256");
    }

    @Test
    void heatmap_syntheticRun_showsTheHotSetMovingAtThePhaseChange() throws Exception {
        Document doc = parse(ReportWriter.write(SyntheticRun.recording(), dir).html());
        BufferedImage img = heatmapImage(doc);
        assertThat(img.getWidth()).isEqualTo(120);
        assertThat(img.getHeight()).isEqualTo(256);
        // Row 0 of the image is the highest address. Bucket 40 (160 MiB) is hot before cycle 60, bucket 160 after.
        int early = 256 - 1 - 40, late = 256 - 1 - 160;
        int cold = HeatmapChart.color(0);
        assertThat(img.getRGB(10, early) & 0xffffff).isNotEqualTo(cold);
        assertThat(img.getRGB(10, late) & 0xffffff).isEqualTo(cold);
        assertThat(img.getRGB(100, late) & 0xffffff).isNotEqualTo(cold);
        assertThat(img.getRGB(100, early) & 0xffffff).isEqualTo(cold);
    }

    @Test
    void summary_syntheticRun_hasTheDocumentedFieldsAndValues() throws Exception {
        RunRecording r = SyntheticRun.recording();
        JsonNode j = JsonMapper.builder().build().readTree(ReportWriter.write(r, dir).summaryJson().toFile());
        for (String f : List.of("summary_version", "lost_writes", "verify_failures", "evicted_fraction",
                "guest_ops_per_s", "baseline_ops_per_s", "throughput_ratio", "refaults", "evictions", "cycles",
                "clean_stop", "notes", "vm", "guest", "guest_bytes", "pattern", "policy", "cycle_s", "duration_s",
                "backend", "kernel_features", "kernel", "host", "started_at", "refault_p50_us", "refault_p99_us",
                "policy_decisions")) {
            assertThat(j.has(f)).as(f).isTrue();
        }
        Outcome o = r.outcome();
        assertThat(j.get("lost_writes").asLong()).isZero();
        assertThat(j.get("evicted_fraction").asDouble()).isEqualTo(o.evictedFraction()).isBetween(0.3, 0.9);
        assertThat(j.get("throughput_ratio").asDouble()).isEqualTo(o.throughputRatio());
        assertThat(j.get("baseline_ops_per_s").asDouble()).isEqualTo(SyntheticRun.BASELINE_OPS);
        assertThat(j.get("guest_ops_per_s").asDouble()).isEqualTo(o.guestOpsPerSecond());
        assertThat(j.get("refaults").asLong()).isEqualTo(o.refaults()).isPositive();
        assertThat(j.get("evictions").asLong()).isEqualTo(o.evictions()).isPositive();
        assertThat(j.get("cycles").asInt()).isEqualTo(SyntheticRun.CYCLES);
        assertThat(j.get("clean_stop").asBoolean()).isTrue();
        assertThat(j.get("notes").get(0).asString()).isEqualTo(o.notes().get(0));
        assertThat(j.get("vm").asString()).isEqualTo("vm-demo-1");
        assertThat(j.get("backend").asString()).isEqualTo("zap");
        assertThat(j.get("kernel_features").size()).isEqualTo(3);
        assertThat(j.get("duration_s").asDouble()).isEqualTo(120.0);
        assertThat(j.get("policy_decisions").asInt()).isEqualTo(r.decisions().size());
    }

    @Test
    void text_withMarkupAndQuotes_isEscapedEverywhere() throws Exception {
        String evil = "<script>alert('x')</script> & \"quoted\" \u0001";
        RunRecording base = SyntheticRun.recording(10, List.of(evil));
        RunRecording r = new RunRecording(
                new RunRecording.RunInfo(evil, evil, 1 << 30, evil, evil, 1, 10, evil, List.of(evil), evil, evil,
                        evil),
                base.baseline(), base.cycles(), base.heatmap(), base.refaultLatency(),
                List.of(new RunRecording.PolicyDecision(1, 1, evil, 10, evil)), base.outcome());
        Path html = ReportWriter.write(r, dir).html();
        String text = Files.readString(html);
        assertThat(text).doesNotContain("<script>", "'x'", "\u0001").contains("&lt;script&gt;", "&amp;", "&quot;");
        Document doc = parse(html); // still well-formed
        assertThat(byId(doc, "notes").getTextContent()).contains("<script>alert('x')</script> & \"quoted\"");
        JsonNode j = JsonMapper.builder().build().readTree(ReportWriter.write(r, dir).summaryJson().toFile());
        assertThat(j.get("vm").asString()).isEqualTo(evil); // JSON keeps the text as it was
    }

    @Test
    void outcome_withLostWrites_isShownAsFailure() throws Exception {
        RunRecording ok = SyntheticRun.recording(10, List.of());
        Outcome o = ok.outcome();
        RunRecording bad = new RunRecording(ok.info(), ok.baseline(), ok.cycles(), ok.heatmap(),
                ok.refaultLatency(), ok.decisions(), new Outcome(3, 1, o.evictedFraction(), o.guestOpsPerSecond(),
                o.throughputRatio(), o.refaults(), o.evictions(), false, List.of("3 pages lost")));
        Document doc = parse(ReportWriter.write(bad, dir).html());
        assertThat(byId(doc, "tile-lost-writes").getAttribute("class")).contains("bad");
        assertThat(byId(doc, "tile-lost-writes").getTextContent()).contains("3");
        assertThat(byId(doc, "tile-clean-stop").getAttribute("class")).contains("bad");
        Document good = parse(ReportWriter.write(ok, dir.resolve("ok")).html());
        assertThat(byId(good, "tile-lost-writes").getAttribute("class")).contains("good");
        assertThat(byId(good, "tile-evicted-fraction").getTextContent()).contains(Text.percent(o.evictedFraction()));
        assertThat(byId(good, "tile-throughput-ratio").getTextContent())
                .contains(Text.num(o.throughputRatio(), 2) + " ×");
    }

    @Test
    void recording_withNoCyclesNoHeatmapNoRefaults_stillRendersWithEmptyCharts() throws Exception {
        RunRecording base = SyntheticRun.recording(0, List.of());
        RunRecording r = new RunRecording(base.info(), base.baseline(), List.of(), null,
                new LatencyHistogram(new double[0], new long[0], Double.NaN, Double.NaN, 0), List.of(),
                base.outcome());
        ReportFiles files = ReportWriter.write(r, dir);
        Document doc = parse(files.html());
        for (String id : HtmlPage.CHART_IDS) {
            assertThat(byId(doc, id).getAttribute("data-points")).as(id).isEqualTo("0");
        }
        assertThat(byId(doc, "chart-latency").getTextContent()).contains("no refaults recorded");
        assertThat(byId(doc, "chart-heatmap").getTextContent()).contains("no heatmap recorded");
        assertThat(byId(doc, "table-decisions").getTextContent()).contains("no decisions");
        JsonNode j = JsonMapper.builder().build().readTree(files.summaryJson().toFile());
        assertThat(j.get("cycles").asInt()).isZero();
        assertThat(j.get("refault_p50_us").isNull()).isTrue();
        assertThat(j.get("throughput_ratio").isNull()).isTrue(); // NaN in the record, null in JSON
    }

    @Test
    void cycles_withNaNLatenciesAndRates_breakTheLineInsteadOfFailing() throws Exception {
        RunRecording base = SyntheticRun.recording(20, List.of());
        List<CycleSample> cycles = new ArrayList<>();
        for (CycleSample c : base.cycles()) {
            cycles.add(new CycleSample(c.cycle(), c.tSeconds(), c.residentPages(), c.evictedPages(), 0,
                    c.workingSetPages(), c.refaults(), c.evictions(), Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, c.cycle() % 2 == 0 ? Double.NaN : c.guestOpsPerSecond(), 0));
        }
        RunRecording r = new RunRecording(base.info(), new RunRecording.Baseline(Double.NaN, 0), cycles,
                base.heatmap(), base.refaultLatency(), base.decisions(), base.outcome());
        Path html = ReportWriter.write(r, dir).html();
        assertThat(Files.readString(html)).doesNotContain("NaN", "Infinity");
        Document doc = parse(html);
        assertThat(byId(doc, "chart-throughput").getAttribute("data-points")).isEqualTo("10");
    }

    @Test
    void heatmap_larger_thanLegible_isDownsampledToTheCap() throws Exception {
        int cycles = 1500, buckets = 1024;
        int[][] acc = new int[cycles][buckets];
        int[] numbers = new int[cycles];
        for (int c = 0; c < cycles; c++) {
            numbers[c] = c;
            acc[c][(c * 7) % buckets] = 64; // a diagonal sweep
        }
        RunRecording base = SyntheticRun.recording(10, List.of());
        RunRecording r = new RunRecording(base.info(), base.baseline(), base.cycles(), new Heatmap(64, buckets,
                numbers, acc), base.refaultLatency(), base.decisions(), base.outcome());
        Document doc = parse(ReportWriter.write(r, dir).html());
        Element svg = byId(doc, "chart-heatmap");
        assertThat(svg.getAttribute("data-columns")).isEqualTo(String.valueOf(HeatmapChart.MAX_COLUMNS));
        assertThat(svg.getAttribute("data-rows")).isEqualTo(String.valueOf(HeatmapChart.MAX_ROWS));
        assertThat(svg.getAttribute("data-source-cycles")).isEqualTo("1500");
        assertThat(Long.parseLong(svg.getAttribute("data-nonzero-cells"))).isPositive();
        BufferedImage img = heatmapImage(doc);
        assertThat(img.getWidth()).isEqualTo(HeatmapChart.MAX_COLUMNS);
        assertThat(img.getHeight()).isEqualTo(HeatmapChart.MAX_ROWS);
    }

    @Test
    void decisions_manyMore_thanTheCap_showFirstAndLastWithOmittedCount() throws Exception {
        RunRecording base = SyntheticRun.recording(10, List.of());
        List<RunRecording.PolicyDecision> ds = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ds.add(new RunRecording.PolicyDecision(i, i, "budget", i + 1, "decision " + i));
        }
        RunRecording r = new RunRecording(base.info(), base.baseline(), base.cycles(), base.heatmap(),
                base.refaultLatency(), ds, base.outcome());
        Document doc = parse(ReportWriter.write(r, dir).html());
        Element table = byId(doc, "table-decisions");
        assertThat(table.getAttribute("data-rows")).isEqualTo("1000");
        assertThat(table.getAttribute("data-shown")).isEqualTo("100");
        assertThat(count(doc, "//*[@id='table-decisions']/tbody/tr")).isEqualTo(101);
        String text = table.getTextContent();
        assertThat(text).contains("decision 0", "decision 49", "900 decisions omitted", "decision 950", "decision 999")
                .doesNotContain("decision 50 ", "decision 949");
    }

    @Test
    void histogram_withOneTwoFiveBoundsAndAnOpenEndedLastBucket_labelsItAsAbove() throws Exception {
        // The demo's recorder: 1-2-5 bounds in µs, everything above 50 ms in a last bucket bounded by +∞.
        double[] bounds = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000, Double.POSITIVE_INFINITY};
        long[] counts = {0, 3, 40, 120, 60, 10, 2, 0, 0, 0, 0, 1, 4};
        RunRecording base = SyntheticRun.recording(10, List.of());
        RunRecording r = new RunRecording(base.info(), base.baseline(), base.cycles(), base.heatmap(),
                new LatencyHistogram(bounds, counts, 45, 80_000, 240), base.decisions(), base.outcome());
        Path html = ReportWriter.write(r, dir).html();
        assertThat(Files.readString(html)).doesNotContain("Infinity", "∞");
        Document doc = parse(html);
        Element svg = byId(doc, "chart-latency");
        assertThat(svg.getAttribute("data-points")).isEqualTo("240");
        assertThat(svg.getTextContent()).contains("> 50k", "p99 80 ms", "p50 45 µs");
        assertThat(count(doc, "//*[@id='chart-latency']//*[local-name()='rect' and @class='bar']")).isEqualTo(8);
        assertThat(count(doc, "//*[@id='chart-latency']//*[@data-percentile]")).isEqualTo(2);
    }

    @Test
    void ids_inTheReport_areUnique() throws Exception {
        Document doc = parse(ReportWriter.write(SyntheticRun.recording(), dir).html());
        NodeList withId = (NodeList) XPathFactory.newInstance().newXPath().evaluate("//*[@id]", doc,
                XPathConstants.NODESET);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < withId.getLength(); i++) {
            assertThat(seen.add(((Element) withId.item(i)).getAttribute("id"))).isTrue();
        }
        assertThat(seen).containsAll(HtmlPage.CHART_IDS).contains("headline", "run-info", "table-decisions");
    }

    static Document parse(Path html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false); // plain XPath without prefixes; well-formedness is what is tested
        return f.newDocumentBuilder().parse(html.toFile());
    }

    static Element byId(Document doc, String id) throws Exception {
        Element e = (Element) XPathFactory.newInstance().newXPath().evaluate("//*[@id='" + id + "']", doc,
                XPathConstants.NODE);
        assertThat(e).as("element #" + id).isNotNull();
        return e;
    }

    static int count(Document doc, String xpath) throws Exception {
        return ((Number) XPathFactory.newInstance().newXPath().evaluate("count(" + xpath + ")", doc,
                XPathConstants.NUMBER)).intValue();
    }

    static BufferedImage heatmapImage(Document doc) throws Exception {
        Element img = (Element) XPathFactory.newInstance().newXPath().evaluate("//*[@id='chart-heatmap']//image",
                doc, XPathConstants.NODE);
        String href = img.getAttribute("href");
        assertThat(href).startsWith("data:image/png;base64,");
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(href.substring(22))));
    }
}
