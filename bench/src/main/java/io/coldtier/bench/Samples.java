package io.coldtier.bench;

import java.util.Arrays;
import java.util.Locale;

/** Repeated timings of one operation, in nanoseconds; reported as the median with min–max. */
record Samples(long[] nanos) {
    Samples {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        nanos = nanos.clone();
        Arrays.sort(nanos);
    }

    double median() {
        int n = nanos.length;
        return n % 2 == 1 ? nanos[n / 2] : (nanos[n / 2 - 1] + nanos[n / 2]) / 2.0;
    }

    long min() {
        return nanos[0];
    }

    long max() {
        return nanos[nanos.length - 1];
    }

    int count() {
        return nanos.length;
    }

    /** Median and range in ms per GiB: "14.2 ms/GiB (13.9–15.0, n=7)". */
    String msPerGiB(long guestBytes) {
        double scale = (double) (1L << 30) / guestBytes / 1e6;
        return String.format(Locale.ROOT, "%.2f ms/GiB (%.2f–%.2f, n=%d)", median() * scale, min() * scale,
                max() * scale, count());
    }

    double medianMsPerGiB(long guestBytes) {
        return median() * ((double) (1L << 30) / guestBytes) / 1e6;
    }
}
