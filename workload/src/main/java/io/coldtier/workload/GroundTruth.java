package io.coldtier.workload;

import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.RoaringBitmapWriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which pages the workload touched, per epoch: the reference a tracker's (scanner's, fault
 * source's) view is compared against. Thread-safe.
 *
 * <p>A vCPU marks a page <em>before</em> touching it, so a page whose access a tracker can see is
 * already in the bitmap. {@link #cut()} clears the bitmap word by word with {@code getAndSet}; a
 * touch that is in flight while the cut runs is counted in the epoch just ended (its mark came
 * first), which is why exact comparisons cut while the workload is {@linkplain Workload#pause()
 * paused}.
 */
public final class GroundTruth {
    /** Atomic access to {@link #bits}: AtomicLongArray has no getAndBitwiseOr. */
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private final long pages;
    /** One bit per page, accessed only through {@link #WORD}. */
    private final long[] bits;
    private final LongAdder touches = new LongAdder();
    private final AtomicLong epoch = new AtomicLong();

    /** One finished epoch: its number (0 for the first), the pages touched and the number of touches. */
    public record Epoch(long number, RoaringBitmap pages, long touches) {}

    public GroundTruth(long pages) {
        if (pages < 1 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count " + pages + " not in [1, 2^31)");
        }
        this.pages = pages;
        this.bits = new long[(int) ((pages + 63) >>> 6)];
    }

    /** Records a touch of {@code page} in the current epoch; call before the access. */
    public void mark(long page) {
        int word = (int) (page >>> 6);
        long bit = 1L << page;
        // Read first: with vCPUs interleaved page by page, an unconditional atomic OR would bounce
        // the cache line between them on every access; the bit is usually already set.
        if (((long) WORD.getOpaque(bits, word) & bit) == 0) {
            long ignored = (long) WORD.getAndBitwiseOr(bits, word, bit);
        }
        touches.increment();
    }

    /** Ends the current epoch and returns the pages touched in it. */
    public RoaringBitmap cut() {
        return cutEpoch().pages();
    }

    /** Ends the current epoch and returns it with its touch count. */
    public Epoch cutEpoch() {
        RoaringBitmapWriter<RoaringBitmap> out = RoaringBitmapWriter.writer().get();
        for (int w = 0; w < bits.length; w++) {
            long word = (long) WORD.getOpaque(bits, w) == 0 ? 0 : (long) WORD.getAndSet(bits, w, 0L);
            while (word != 0) {
                out.add((w << 6) + Long.numberOfTrailingZeros(word));
                word &= word - 1;
            }
        }
        return new Epoch(epoch.getAndIncrement(), out.get(), touches.sumThenReset());
    }

    /** The number of the epoch in progress. */
    public long currentEpoch() {
        return epoch.get();
    }

    public long pageCount() {
        return pages;
    }
}
