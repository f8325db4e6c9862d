package io.coldtier.report;

import java.nio.file.Path;

/**
 * Where {@link ReportWriter#write} put the report.
 *
 * @param html        {@code report.html}: self-contained, viewable offline
 * @param summaryJson {@code summary.json}: the flat outcome and run info for machines
 */
public record ReportFiles(Path html, Path summaryJson) {}
