package io.coldtier.cli;

import io.coldtier.trace.SyntheticTrace;
import io.coldtier.trace.TraceFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code coldtier replay} and {@code coldtier trace csv} over a trace file (no broker). */
@Tag("unit")
@Timeout(60)
class TraceReplayCommandsTest {
    @TempDir
    Path dir;

    @Test
    void replay_overATraceFile_writesJsonAndHtml_andCsvConvertsIt() throws IOException {
        Path trace = dir.resolve("t.trace");
        TraceFile.write(trace, new SyntheticTrace(2, 1024, 20, 1_000_000, 0.05, 0.05, 2, 1).records(),
                TraceFile.Compression.ZSTD, Map.of());
        Path out = dir.resolve("out");

        int rc = new CommandLine(new Main()).execute("replay", "--trace", trace.toString(),
                "--policy", "idle-age:cycles=2,budget", "--budget", "50%", "--output", out.toString());
        assertThat(rc).isZero();
        assertThat(Files.readString(out.resolve("replay.json"))).contains("\"policy\": \"budget:resident=50%\"");
        assertThat(Files.readString(out.resolve("replay.html"))).contains("<svg");

        Path csv = dir.resolve("t.csv");
        assertThat(new CommandLine(new Main()).execute("trace", "csv", trace.toString(), "-o", csv.toString())).isZero();
        assertThat(Files.readAllLines(csv).getFirst()).isEqualTo("time,obj_id,obj_size,vm,region,page");
    }

    @Test
    void replay_withoutASource_isAUsageError() {
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new Main()).setErr(new PrintWriter(err)).execute("replay", "--policy", "idle-age");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("exactly one of --trace and --bootstrap-servers");
    }
}
