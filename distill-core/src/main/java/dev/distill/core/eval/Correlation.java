package dev.distill.core.eval;

import java.util.Arrays;
import java.util.Comparator;

/** Pearson and Spearman correlation, the standard STS evaluation metrics. */
public final class Correlation {

    private Correlation() {}

    /**
     * Pearson's r = cov(x, y) / (σx·σy), accumulated in double precision.
     *
     * @param x the first variable
     * @param y the second, as many values
     * @return r, in [−1, 1]
     * @throws IllegalArgumentException if lengths differ, fewer than 2 values are given, or
     *     either input is constant (r is undefined)
     */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) {
            throw new IllegalArgumentException("correlation is undefined for a constant input ("
                    + (sxx == 0 ? "x" : "y") + " has a single distinct value)");
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /**
     * Spearman's ρ: Pearson's r of the ranks, ties given the mean of the ranks they span
     * (as scipy.stats.spearmanr does).
     *
     * @param x the first variable
     * @param y the second, as many values
     * @return ρ, in [−1, 1]
     * @throws IllegalArgumentException if lengths differ, fewer than 2 values are given, or either
     *         input is constant
     */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks with ties averaged. */
    static double[] ranks(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1; // mean of 1-based ranks i+1..j+1
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = rank;
            }
            i = j + 1;
        }
        return ranks;
    }

    private static void check(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("inputs differ in length: " + x.length + " vs " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("correlation needs at least 2 pairs, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException("non-finite value at index " + i + ": x=" + x[i] + ", y=" + y[i]);
            }
        }
    }
}
