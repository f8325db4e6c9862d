package io.coldtier.trace.internal;

import java.util.Arrays;

/** A growable pair of primitive arrays (x, y): no boxing per sample. */
public final class DoubleSeries {
    private double[] x = new double[256];
    private double[] y = new double[256];
    private int n;

    public void add(double xv, double yv) {
        if (n == x.length) {
            x = Arrays.copyOf(x, n * 2);
            y = Arrays.copyOf(y, n * 2);
        }
        x[n] = xv;
        y[n] = yv;
        n++;
    }

    public int size() {
        return n;
    }

    public double[] x() {
        return Arrays.copyOf(x, n);
    }

    public double[] y() {
        return Arrays.copyOf(y, n);
    }

    public double mean() {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += y[i];
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** The q-quantile of y (nearest rank, q in [0,1]); NaN when empty. */
    public double quantile(double q) {
        if (n == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(y, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * n) - 1;
        return sorted[Math.max(0, Math.min(n - 1, rank))];
    }

    public double max() {
        double m = Double.NaN;
        for (int i = 0; i < n; i++) {
            m = Double.isNaN(m) ? y[i] : Math.max(m, y[i]);
        }
        return m;
    }
}
