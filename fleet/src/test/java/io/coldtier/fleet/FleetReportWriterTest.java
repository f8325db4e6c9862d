package io.coldtier.fleet;

import io.coldtier.fleet.internal.FleetHtml;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class FleetReportWriterTest {
    @TempDir
    Path dir;

    static FleetReport sample() {
        FleetInput in = FleetAnalysisTest.hotWarmCold();
        FleetAnalysisTest.scans(in, "vm-x", 200, 40, c -> i -> i % 4 == 0, 12);
        return FleetAnalysis.analyse(in, FleetOptions.defaults(), FleetAnalysisTest.CLOCK);
    }

    @Test
    void write_producesSelfContainedXhtmlWithEveryChartCarryingData() throws Exception {
        FleetFiles f = FleetReportWriter.write(sample(), dir);
        String html = Files.readString(f.html());
        assertThat(html).doesNotContain("<script", "<link", "@import", "url(http");
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        Document doc = dbf.newDocumentBuilder().parse(f.html().toFile());
        var xp = XPathFactory.newInstance().newXPath();
        for (String id : FleetHtml.CHART_IDS) {
            double marks = (Double) xp.evaluate("count(//*[@id='" + id + "']//*[(local-name()='path' and "
                    + "contains(@class,'series')) or (local-name()='rect' and @class='bar')])", doc,
                    XPathConstants.NUMBER);
            assertThat(marks).as(id).isPositive();
        }
        assertThat(html).contains("vm-a", "vm-x", "cold 10 s", "cold 30 s");
    }

    @Test
    void write_producesJsonAndCsvTables() throws Exception {
        FleetFiles f = FleetReportWriter.write(sample(), dir);
        var json = tools.jackson.databind.json.JsonMapper.builder().build().readTree(f.json().toFile());
        assertThat(json.get("vms")).hasSize(2);
        assertThat(json.get("vms").get(0).get("cold").get(0).get("fraction").asDouble()).isBetween(0.0, 1.0);
        var vms = Files.readAllLines(f.vmsCsv());
        assertThat(vms.getFirst()).startsWith("vm,host,").contains("cold_10s", "cold_1800s", "reclaimable_bytes");
        assertThat(vms).hasSize(3);
        assertThat(vms.getFirst().split(",", -1)).hasSameSizeAs(vms.get(1).split(",", -1));
        assertThat(Files.readAllLines(f.hostsCsv())).hasSize(3); // header, host-1, unknown
        assertThat(Files.readAllLines(f.seriesCsv())).hasSize(1 + 80);
    }
}
