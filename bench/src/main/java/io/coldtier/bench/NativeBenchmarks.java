package io.coldtier.bench;

import io.coldtier.linux.Libc;
import io.coldtier.linux.Madvise;
import io.coldtier.linux.PagemapScan;
import io.coldtier.linux.internal.Native;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What the FFM layer costs per operation, next to the C floor in {@code floor.c} (run both with
 * {@link NativeBench}). Each benchmark runs in its own fork, so the 1 GiB states never coexist.
 *
 * <p>The write-protect benchmarks reset the range with a {@code Level.Invocation} setup; JMH warns
 * against that for short operations, but these take milliseconds, so the per-invocation timestamp
 * overhead is negligible.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
// -Xmx1g: the guest memory is off-heap. --enable-native-access: FFM downcalls without warnings.
// --sun-misc-unsafe-memory-access=allow: JMH 1.37 itself uses sun.misc.Unsafe and warns on JDK 25.
@Fork(value = 1, jvmArgs = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class NativeBenchmarks {
    static final long GIB = 1L << 30;

    // Non-critical and without errno capture: the plain cost of one Java-to-native transition.
    private static final MethodHandle ABS = Native.plainCall("abs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    // A field, not a constant, so the argument is loaded on every call.
    int absArgument = -12345;

    @Benchmark
    public int trivialDowncall() throws Throwable {
        return (int) ABS.invokeExact(absArgument);
    }

    @Benchmark
    public int getpid() {
        return Libc.getpid();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void writeProtect1GiB(Unprotected s) {
        s.region.writeProtect(true);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void writeUnprotect1GiB(Protected s) {
        s.region.writeProtect(false);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long pagemapScan1GiB_allPresent(AllPresent s) {
        return s.scan.countPresentRuns();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long pagemapScan1GiB_halfPresent(HalfPresent s) {
        return s.scan.countPresentRuns();
    }

    /** A populated, registered region that is unprotected again before every invocation. */
    @State(Scope.Benchmark)
    public static class Unprotected {
        Region region;

        @Setup(Level.Trial)
        public void open() {
            region = Region.open("bench-wp-on", GIB);
        }

        @Setup(Level.Invocation)
        public void unprotect() {
            region.writeProtect(false);
        }

        @TearDown(Level.Trial)
        public void close() {
            region.close();
        }
    }

    /** A populated, registered region that is protected again before every invocation. */
    @State(Scope.Benchmark)
    public static class Protected {
        Region region;

        @Setup(Level.Trial)
        public void open() {
            region = Region.open("bench-wp-off", GIB);
        }

        @Setup(Level.Invocation)
        public void protect() {
            region.writeProtect(true);
        }

        @TearDown(Level.Trial)
        public void close() {
            region.close();
        }
    }

    /** Every page present: the scan reports one run. */
    @State(Scope.Benchmark)
    public static class AllPresent {
        PresentScan scan;

        @Setup(Level.Trial)
        public void open() {
            scan = PresentScan.open("bench-scan-all", GIB, 1);
        }

        @TearDown(Level.Trial)
        public void close() {
            scan.close();
        }
    }

    /**
     * Every other page present: 131072 one-page runs, the worst case for the run vector (32 ioctls
     * of 4096 entries). Zapped with MADV_DONTNEED, then re-touched with a memset downcall: the
     * pages stay in the memfd's page cache, so the kernel resolves each touch without a uffd message.
     */
    @State(Scope.Benchmark)
    public static class HalfPresent {
        PresentScan scan;

        @Setup(Level.Trial)
        public void open() {
            scan = PresentScan.open("bench-scan-half", GIB, GIB / Region.PAGE / 2, region -> {
                region.mapping.madvise(0, region.length, Madvise.MADV_DONTNEED);
                for (long off = 0; off < region.length; off += 2 * Region.PAGE) {
                    Libc.memset(region.start + off, 1, 1);
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() {
            scan.close();
        }
    }

    /** A region plus a pagemap scanner and an allocation-free run counter. */
    static final class PresentScan implements PagemapScan.RunSink, AutoCloseable {
        private static final PagemapScan.Query PRESENT = PagemapScan.Query.having(PagemapScan.PAGE_IS_PRESENT);

        private final Region region;
        private final PagemapScan pagemap = PagemapScan.self();
        private long runs;

        private PresentScan(Region region) {
            this.region = region;
        }

        static PresentScan open(String name, long length, long expectedRuns) {
            return open(name, length, expectedRuns, region -> { });
        }

        static PresentScan open(String name, long length, long expectedRuns, Consumer<Region> shape) {
            PresentScan s = new PresentScan(Region.open(name, length));
            try {
                shape.accept(s.region);
                long found = s.countPresentRuns();
                // A wrong layout would make the figure meaningless, so refuse to measure it.
                if (found != expectedRuns) {
                    throw new IllegalStateException(name + ": " + found + " present runs, expected " + expectedRuns);
                }
                return s;
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
        }

        long countPresentRuns() {
            runs = 0;
            pagemap.scan(region.start, region.start + region.length, PRESENT, this);
            return runs;
        }

        @Override
        public void run(long start, long end, long categories) {
            runs++;
        }

        @Override
        public void close() {
            pagemap.close();
            region.close();
        }
    }
}
