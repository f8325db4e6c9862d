package io.coldtier.trace;

import io.coldtier.evictor.FaultKind;
import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.FaultEvent;
import io.coldtier.schemas.avro.ScanResult;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trace as a libCacheSim csv trace: one page access per line,
 * {@code time,obj_id,obj_size,vm,region,page} with a header line.
 *
 * <ul>
 *   <li>{@code time}: the access's event time in whole epoch seconds (scan: {@code scannedAt}; fault: {@code at});</li>
 *   <li>{@code obj_id}: the page as one unsigned number, {@code vm << 44 | region << 32 | page}, where
 *       {@code vm} is the VM's index in order of first appearance in the trace (column 4; the id → VM map is
 *       {@link #vmIndex()});</li>
 *   <li>{@code obj_size}: the page size in bytes.</li>
 * </ul>
 *
 * Accesses are every page of a scan's {@code accessed} bitmap (ascending page index: a scan does not
 * order accesses within its cycle) and every {@code REFAULT} and {@code TRAP} fault. {@code PREFETCH} and
 * {@code POISON} are not accesses. Read it with
 * {@code cachesim trace.csv csv lru,s3fifo 0.1 -t "time-col=1,obj-id-col=2,obj-size-col=3,delimiter=,,has-header=true,obj-id-is-num=true"}.
 */
public final class LibCacheSimCsv implements AutoCloseable {
    public static final String HEADER = "time,obj_id,obj_size,vm,region,page";
    static final int REGION_BITS = 12;
    static final int PAGE_BITS = 32;

    private final BufferedWriter out;
    private final Map<String, Integer> vmIndex = new LinkedHashMap<>();
    /** objectId(vm, region, 0) → the region's page size, from its scans (faults carry none). */
    private final Map<Long, Long> pageSizes = new java.util.HashMap<>();
    private final StringBuilder line = new StringBuilder(64);
    private long lines;

    public LibCacheSimCsv(Writer out) {
        this.out = out instanceof BufferedWriter b ? b : new BufferedWriter(out, 1 << 16);
        write(HEADER);
    }

    /** The page's object id: {@code vm << 44 | region << 32 | page}. */
    public static long objectId(int vm, int region, long page) {
        if (vm < 0 || vm >= 1 << (63 - REGION_BITS - PAGE_BITS) || region < 0 || region >= 1 << REGION_BITS
                || page < 0 || page >= 1L << PAGE_BITS) {
            throw new IllegalArgumentException("page id out of range: vm#" + vm + " region " + region + " page " + page);
        }
        return (long) vm << (REGION_BITS + PAGE_BITS) | (long) region << PAGE_BITS | page;
    }

    public void accept(TraceRecord r) {
        switch (r) {
            case TraceRecord.Scan s -> scan(s.value());
            case TraceRecord.Fault f -> fault(f.value());
        }
    }

    private void scan(ScanResult s) {
        int vm = vmIndex.computeIfAbsent(s.getVmId(), k -> vmIndex.size());
        long seconds = s.getScannedAt().getEpochSecond();
        pageSizes.put(objectId(vm, s.getRegion(), 0), (long) s.getPageSize());
        RoaringBitmap accessed = Bitmaps.fromBytes(s.getAccessed());
        PeekableIntIterator it = accessed.getIntIterator();
        while (it.hasNext()) {
            access(seconds, vm, s.getRegion(), Integer.toUnsignedLong(it.next()), s.getPageSize());
        }
    }

    private void fault(FaultEvent f) {
        FaultKind kind = FaultKind.valueOf(f.getKind().name());
        if (kind != FaultKind.REFAULT && kind != FaultKind.TRAP) {
            return;
        }
        int vm = vmIndex.computeIfAbsent(f.getVmId(), k -> vmIndex.size());
        // A fault carries no page size: the region's from its scans, 4 KiB before its first scan.
        long size = pageSizes.getOrDefault(objectId(vm, f.getRegion(), 0), 4096L);
        access(f.getAt().getEpochSecond(), vm, f.getRegion(), f.getPage(), size);
    }

    private void access(long seconds, int vm, int region, long page, long size) {
        line.setLength(0);
        line.append(seconds).append(',').append(objectId(vm, region, page)).append(',').append(size)
                .append(',').append(vm).append(',').append(region).append(',').append(page);
        write(line);
        lines++;
    }

    private void write(CharSequence s) {
        try {
            out.append(s).append('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write csv", e);
        }
    }

    /** Access lines written (the header not counted). */
    public long lines() {
        return lines;
    }

    /** VM id → the index used in object ids, in order of first appearance. */
    public Map<String, Integer> vmIndex() {
        return Map.copyOf(vmIndex);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close csv", e);
        }
    }
}
