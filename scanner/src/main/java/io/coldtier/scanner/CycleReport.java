package io.coldtier.scanner;

import io.coldtier.faultsource.EvictionReport;

/** One region's cycle: its scan, the eviction that followed, and the time spent arming/scanning. */
public record CycleReport(ScanResult scan, EvictionReport eviction, long armNanos, long scanNanos) {}
