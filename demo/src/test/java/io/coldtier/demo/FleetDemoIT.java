package io.coldtier.demo;

import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.fleet.internal.FleetHtml;
import io.coldtier.linux.KernelTests;
import io.coldtier.report.Chromium;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code coldtier demo --vms 4}, shortened: four 64 MiB threads guests under one agent host (hot sets of 10 %, 5 % and
 * 25 % of the pages, and a slow sweep), 25 s tracked. The fleet report read back from the
 * broker must hold all four VMs, its cold share at 10 s and mean working set per cycle must match each guest's ground
 * truth ({@link GuestModel}) within {@link FleetDemo#COLD_BOUND_PP} percentage points and
 * {@link FleetDemo#WSS_BOUND} (+ {@link FleetDemo#WSS_SLACK_PAGES} pages), and the page must render in headless
 * Chromium with every chart carrying data.
 */
@Tag("e2e")
@Tag("kafka")
@Tag("kernel")
@Timeout(240)
class FleetDemoIT {
    @Test
    void fourVmDemo_fleetReportMatchesGroundTruth_andRenders(@TempDir Path dir) throws Exception {
        KernelTests.assumeUserfaultfd();
        Path output = dir.resolve("report");
        DemoConfig config = DemoConfig.defaults().withGuest("threads").withGuestSize(64L << 20).withHotSet(0.10, 1.0)
                .withDuration(Duration.ofSeconds(25)).withBaseline(Duration.ofSeconds(3))
                .withPolicy("idle-age:cycles=2").withOutput(output).withPlainView(true);
        Demo.Result result;
        try {
            result = Demo.run(config, 4, System.out);
        } finally {
            keep(output);
        }
        assertThat(result.exitCode()).as("exit code (zero lost writes in all four VMs)").isZero();
        FleetDemo.Outcome fleet = result.fleet();
        assertThat(fleet).as("fleet report").isNotNull();
        assertThat(fleet.report().vms()).extracting(VmStats::vmId)
                .containsExactlyInAnyOrder("vm-demo", "vm-demo-1", "vm-demo-2", "vm-demo-3");
        assertThat(fleet.report().hosts()).hasSize(1);
        assertThat(fleet.report().vms()).allSatisfy(v -> {
            assertThat(v.cycles()).as(v.vmId() + " cycles").isGreaterThanOrEqualTo(10);
            assertThat(v.cold().getFirst().fraction()).as(v.vmId() + " cold at 10 s observable").isNotNull();
        });
        assertThat(fleet.checks()).as("two checks per modelled VM").hasSize(8);
        assertThat(fleet.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.line()).isTrue());
        assertThat(fleet.files().json()).exists();
        assertThat(Files.readAllLines(fleet.files().vmsCsv())).hasSize(5);
        assertThat(result.files().html()).as("the single-VM report too").exists();

        Chromium chromium = Chromium.require(Files.createDirectories(dir.resolve("chromium")));
        String dom = chromium.dumpDom(fleet.files().html());
        assertThat(dom).contains("coldtier fleet report", "vm-demo-3");
        for (String id : FleetHtml.CHART_IDS) {
            Matcher m = Pattern.compile("<svg[^>]*id=\"" + id + "\"[^>]*data-(?:points|bars)=\"(\\d+)\"").matcher(dom);
            assertThat(m.find()).as("svg #" + id + " in the rendered DOM").isTrue();
            assertThat(Long.parseLong(m.group(1))).as(id + " data").isPositive();
        }
        Path png = chromium.screenshot(fleet.files().html(), output.resolve("fleet").resolve("report.png"), 1200,
                4400);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).isNotNull();
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        assertThat(colours.size()).as("distinct colours (a blank page has a handful)").isGreaterThan(100);
        keep(output);
        System.out.println("fleet report screenshot: " + KEPT.resolve("fleet/report.png").toAbsolutePath());
    }

    /** The run's output outlives the temporary directory in target/, to be looked at (build output, never committed). */
    private static final Path KEPT = Path.of("target", "fleet-demo-it");

    private static void keep(Path output) throws java.io.IOException {
        try (var walk = Files.walk(output)) {
            for (Path p : walk.toList()) {
                Path to = KEPT.resolve(output.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
