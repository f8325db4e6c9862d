package io.coldtier.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("unit")
class ReportCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void reportFleet_withoutBootstrapServersAndOutput_isAUsageError() {
        assertThat(run("report", "fleet")).isEqualTo(2);
        assertThat(err.toString()).contains("--bootstrap-servers", "--output");
    }

    @Test
    void reportFleet_withABadDuration_namesTheFlag() {
        assertThat(run("report", "fleet", "--bootstrap-servers", "localhost:1", "--output", "x", "--window",
                "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--window");
    }

    @Test
    void reportWithoutAName_asksForOne() {
        assertThat(run("report")).isEqualTo(2);
        assertThat(err.toString()).contains("name a report: fleet");
    }

    @Test
    void demo_withTooManyVms_isAUsageError() {
        assertThat(run("demo", "--vms", "17", "--guest", "threads")).isEqualTo(2);
        assertThat(err.toString()).contains("--vms must be in [1, 16]");
    }

    @Test
    void demoHelp_offersVms() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--vms");
    }
}
