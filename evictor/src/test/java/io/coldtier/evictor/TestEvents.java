package io.coldtier.evictor;

import org.roaringbitmap.RoaringBitmap;

/** Small hand-made scans and faults for tests: 4 KiB pages, one scan every ten seconds. */
public final class TestEvents {
    public static final long PAGE = 4096;
    public static final long SCAN_INTERVAL_MICROS = 10_000_000L;

    private TestEvents() {
    }

    /** Scan of vm-a region 0 at cycle × 10 s. */
    public static ScanInput scan(int pages, long cycle, int... accessed) {
        return scan("vm-a", 0, pages, cycle, accessed);
    }

    public static ScanInput scan(String vm, int region, int pages, long cycle, int... accessed) {
        return scanAt(vm, region, pages, cycle, cycle * SCAN_INTERVAL_MICROS, RoaringBitmap.bitmapOf(accessed));
    }

    public static ScanInput scanAt(String vm, int region, int pages, long cycle, long atMicros, RoaringBitmap accessed) {
        return new ScanInput(vm, region, cycle, atMicros, pages, PAGE, accessed, pages, 0);
    }

    public static FaultInput fault(String vm, int region, long cycle, long atMicros, FaultKind kind, long page) {
        return new FaultInput(vm, region, cycle, atMicros, kind, page);
    }

    /** A bitmap of the pages in {@code [from, to)}. */
    public static RoaringBitmap range(int from, int to) {
        return RoaringBitmap.bitmapOfRange(from, to);
    }
}
