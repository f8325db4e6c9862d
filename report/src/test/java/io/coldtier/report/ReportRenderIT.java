package io.coldtier.report;

import io.coldtier.report.internal.HtmlPage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders the synthetic report in real headless Chromium: the browser's DOM must hold every chart with its data
 * elements, and the screenshot must show them (chart colours present, not a blank page). The output stays in
 * {@code target/report-render-it/} for a human to look at.
 */
@Tag("chromium")
@Timeout(300)
class ReportRenderIT {
    static final int WIDTH = 1400;
    /** Tall enough for the whole synthetic report, so the colour checks see every chart. */
    static final int HEIGHT = 5200;

    static Path out;
    static ReportFiles files;
    Chromium chromium;

    @BeforeAll
    static void writeReport() {
        out = Path.of("target", "report-render-it").toAbsolutePath();
        files = ReportWriter.write(SyntheticRun.recording(), out);
    }

    /** Per test, not per class: a missing browser then shows as each test skipped with the reason. */
    @BeforeEach
    void findChromium() throws Exception {
        chromium = Chromium.require(Files.createDirectories(out.resolve("chromium")));
    }

    @Test
    void renderedDom_hasEveryChartWithItsDataElements() throws Exception {
        String dom = chromium.dumpDom(files.html());
        assertThat(dom).contains("coldtier run report");
        // Minimum data elements per chart: line paths, bars, the heatmap raster, histogram bars.
        assertThat(svg(dom, "chart-memory")).satisfies(s -> assertThat(count(s, "<path class=\"series")).isEqualTo(4));
        assertThat(svg(dom, "chart-throughput")).satisfies(s -> assertThat(count(s, "<path class=\"series")).isEqualTo(2));
        assertThat(svg(dom, "chart-cycles")).satisfies(s -> assertThat(count(s, "<rect class=\"bar\"")).isGreaterThan(100));
        assertThat(svg(dom, "chart-heatmap")).satisfies(s -> assertThat(s).contains("<image", "data:image/png;base64,"));
        assertThat(svg(dom, "chart-latency")).satisfies(s -> assertThat(count(s, "<rect class=\"bar\"")).isGreaterThan(5));
        for (String id : HtmlPage.CHART_IDS) {
            Matcher m = Pattern.compile("data-points=\"(\\d+)\"").matcher(svg(dom, id));
            assertThat(m.find()).as(id).isTrue();
            assertThat(Long.parseLong(m.group(1))).as(id + " data-points").isPositive();
        }
        assertThat(dom).contains("id=\"headline\"", "id=\"run-info\"", "id=\"table-decisions\"");
    }

    @Test
    void screenshot_showsTheChartsNotABlankPage() throws Exception {
        Path png = chromium.screenshot(files.html(), out.resolve("report.png"), WIDTH, HEIGHT);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("decodable PNG at " + png).isNotNull();
        assertThat(img.getWidth()).isEqualTo(WIDTH);
        assertThat(img.getHeight()).isEqualTo(HEIGHT);
        Set<Integer> colours = new HashSet<>();
        double sum = 0, sq = 0;
        long n = 0;
        int orange = 0, yellow = 0, purple = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                double l = ((rgb >> 16) & 0xff) * 0.299 + ((rgb >> 8) & 0xff) * 0.587 + (rgb & 0xff) * 0.114;
                sum += l;
                sq += l * l;
                n++;
                orange += near(rgb, 0xd95f02) ? 1 : 0; // evictions bars and the evicted line
                yellow += hot(rgb) ? 1 : 0; // heatmap: mostly accessed cells (viridis' yellow-green end)
                purple += near(rgb, 0x440154) ? 1 : 0; // heatmap: cells never accessed
            }
        }
        double variance = sq / n - (sum / n) * (sum / n);
        assertThat(variance).as("luminance variance (a blank page is ~0)").isGreaterThan(100);
        assertThat(colours.size()).as("distinct colours").isGreaterThan(200);
        assertThat(orange).as("eviction-coloured pixels").isGreaterThan(200);
        assertThat(yellow).as("hot heatmap pixels").isGreaterThan(3000);
        assertThat(purple).as("cold heatmap pixels").isGreaterThan(20000);
    }

    /** The markup of the {@code <svg>} with {@code id}, from its start tag to its end tag. */
    static String svg(String dom, String id) {
        Matcher m = Pattern.compile("<svg[^>]*\\bid=\"" + id + "\"[^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        assertThat(m.find()).as("svg #" + id + " in the rendered DOM").isTrue();
        return m.group();
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    static boolean hot(int rgb) {
        return ((rgb >> 16) & 0xff) > 120 && ((rgb >> 8) & 0xff) > 190 && (rgb & 0xff) < 120;
    }

    static boolean near(int a, int b) {
        return Math.abs(((a >> 16) & 0xff) - ((b >> 16) & 0xff)) < 12 && Math.abs(((a >> 8) & 0xff) - ((b >> 8) & 0xff)) < 12
                && Math.abs((a & 0xff) - (b & 0xff)) < 12;
    }
}
