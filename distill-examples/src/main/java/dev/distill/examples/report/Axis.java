package dev.distill.examples.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One axis of a chart: its range and its labelled ticks. A log axis keeps its range and ticks
 * as log10 of the values, so positions are linear in both cases.
 *
 * @param min lower end of the range (log10 of the value on a log axis)
 * @param max upper end, greater than min
 * @param log whether values are placed by their logarithm
 * @param ticks tick positions, in the same units as min and max, increasing
 * @param labels the text of each tick
 */
record Axis(double min, double max, boolean log, double[] ticks, String[] labels) {

    /**
     * A linear axis covering [lo, hi] widened by {@code pad} of its span on each side, with
     * ticks at multiples of 1, 2 or 5 times a power of ten, about {@code target} of them.
     */
    static Axis linear(double lo, double hi, double pad, int target) {
        if (!(hi > lo)) {
            double d = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= d;
            hi += d;
        }
        double span = hi - lo;
        double min = lo - pad * span;
        double max = hi + pad * span;
        double step = niceStep((max - min) / Math.max(1, target));
        int decimals = Math.max(0, -(int) Math.floor(Math.log10(step) + 1e-9));
        List<Double> ticks = new ArrayList<>();
        for (long k = (long) Math.ceil(min / step - 1e-9); k * step <= max + 1e-9 * step; k++) {
            ticks.add(k * step);
        }
        double[] t = new double[ticks.size()];
        String[] labels = new String[t.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = ticks.get(i);
            labels[i] = linearLabel(t[i], decimals);
        }
        return new Axis(min, max, false, t, labels);
    }

    /**
     * A log axis covering [lo, hi] (both positive) widened by {@code pad} of its span in
     * decades on each side. Ticks at powers of ten; also at 2 and 5 times them when the axis
     * spans fewer than 2.5 decades, and at every integer multiple when it spans less than one.
     */
    static Axis log(double lo, double hi, double pad) {
        double a = Math.log10(lo);
        double b = Math.log10(hi);
        if (!(b > a)) {
            a -= 0.5;
            b += 0.5;
        }
        double span = b - a;
        double min = a - pad * span;
        double max = b + pad * span;
        int[] multiples = max - min < 1 ? new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}
                : max - min < 2.5 ? new int[] {1, 2, 5} : new int[] {1};
        List<Double> ticks = new ArrayList<>();
        for (int e = (int) Math.floor(min); e <= (int) Math.ceil(max); e++) {
            for (int m : multiples) {
                double t = Math.log10(m) + e;
                if (t >= min - 1e-9 && t <= max + 1e-9) {
                    ticks.add(t);
                }
            }
        }
        double[] t = new double[ticks.size()];
        String[] labels = new String[t.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = ticks.get(i);
            labels[i] = logLabel(Math.pow(10, t[i]));
        }
        return new Axis(min, max, true, t, labels);
    }

    /** Where {@code v} (a data value) falls, 0 at min and 1 at max; NaN if it cannot be placed. */
    double fraction(double v) {
        if (!Double.isFinite(v) || (log && v <= 0)) {
            return Double.NaN;
        }
        double u = log ? Math.log10(v) : v;
        return (u - min) / (max - min);
    }

    /** 1, 2 or 5 times a power of ten, the smallest at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
        return nice * p;
    }

    /**
     * A tick of a linear axis with as many decimals as its step needs; large round values get
     * a k or M suffix (20000 reads "20k").
     */
    static String linearLabel(double v, int decimals) {
        if (v == 0) { // ticks are k * step, so the zero tick is exactly 0
            return "0";
        }
        double a = Math.abs(v);
        if (decimals == 0 && a >= 1e6 && Math.rint(v / 1e5) == v / 1e5) {
            return trim(String.format(Locale.ROOT, "%.1f", v / 1e6)) + "M";
        }
        if (decimals == 0 && a >= 1e4 && Math.rint(v / 100) == v / 100) {
            return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        }
        if (decimals > 3) {
            return scientific(v); // 5e-5 rather than 0.00005
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A value with three significant digits: plain between 1e-4 and 1e5, else like "2e-06" shortened to "2e-6". */
    static String logLabel(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e-4 && a < 1e5) {
            return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        }
        return scientific(v);
    }

    /** Three significant digits in exponent form without padding: "2.5e-6", "1e-4". */
    static String scientific(double v) {
        String s = String.format(Locale.ROOT, "%.2e", v); // 2.50e-06
        String mant = trim(s.substring(0, s.indexOf('e')));
        int exp = Integer.parseInt(s.substring(s.indexOf('e') + 1));
        return mant + "e" + exp;
    }

    private static String trim(String fixed) {
        if (!fixed.contains(".")) {
            return fixed;
        }
        String s = fixed.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
