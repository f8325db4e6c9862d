package io.coldtier.report;

import io.coldtier.report.internal.HtmlPage;
import io.coldtier.report.internal.Summary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a run's report: {@code report.html} (self-contained, offline: inline SVG charts, no scripts) and
 * {@code summary.json} (flat fields, documented in report/README.md) into an output directory.
 */
public final class ReportWriter {
    public static final String HTML_NAME = "report.html";
    public static final String SUMMARY_NAME = "summary.json";

    private ReportWriter() {}

    /**
     * Renders {@code recording} into {@code outputDir}, creating it if needed and replacing earlier files. Each file
     * is written beside its final name and then moved over it, so a reader never sees half a report.
     *
     * @throws UncheckedIOException when the directory or a file cannot be written
     */
    public static ReportFiles write(RunRecording recording, Path outputDir) {
        try {
            Files.createDirectories(outputDir);
            Path html = replace(outputDir.resolve(HTML_NAME), HtmlPage.render(recording));
            Path json = replace(outputDir.resolve(SUMMARY_NAME), Summary.json(recording));
            return new ReportFiles(html, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + outputDir, e);
        }
    }

    private static Path replace(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        return Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
