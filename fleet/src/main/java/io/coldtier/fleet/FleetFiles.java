package io.coldtier.fleet;

import java.nio.file.Path;

/** Where a fleet report went: the page, the JSON and the CSV tables. */
public record FleetFiles(Path html, Path json, Path vmsCsv, Path hostsCsv, Path seriesCsv) {}
