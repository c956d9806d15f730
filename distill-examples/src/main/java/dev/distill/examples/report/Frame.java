package dev.distill.examples.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link LineChart}'s axes fitted to its data and laid over a plot rectangle in pixels, the
 * geometry both renderers share. Pixel y grows downwards.
 */
final class Frame {

    final double left;
    final double top;
    final double width;
    final double height;
    final Axis x;
    final Axis y;
    final boolean empty;

    private Frame(double left, double top, double width, double height, Axis x, Axis y, boolean empty) {
        this.left = left;
        this.top = top;
        this.width = width;
        this.height = height;
        this.x = x;
        this.y = y;
        this.empty = empty;
    }

    /**
     * Fits the axes: x spans the series' x values exactly; y spans every finite y of the series
     * (raw, so no point falls outside) and the references, plus 4 % on each side.
     */
    static Frame fit(LineChart c, double left, double top, double width, double height, int yTicks) {
        double xLo = Double.POSITIVE_INFINITY;
        double xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        double posLo = Double.POSITIVE_INFINITY;
        boolean allPositive = true;
        for (LineChart.Series s : c.series()) {
            for (int i = 0; i < s.x().length; i++) {
                double v = s.y()[i];
                if (!Double.isFinite(v) || !Double.isFinite(s.x()[i])) {
                    continue;
                }
                xLo = Math.min(xLo, s.x()[i]);
                xHi = Math.max(xHi, s.x()[i]);
                yLo = Math.min(yLo, v);
                yHi = Math.max(yHi, v);
                if (v > 0) {
                    posLo = Math.min(posLo, v);
                } else {
                    allPositive = false;
                }
            }
        }
        boolean empty = xLo > xHi;
        for (LineChart.Reference r : c.references()) {
            if (Double.isFinite(r.y())) {
                yLo = Math.min(yLo, r.y());
                yHi = Math.max(yHi, r.y());
                if (r.y() > 0) {
                    posLo = Math.min(posLo, r.y());
                } else {
                    allPositive = false;
                }
            }
        }
        if (empty) {
            xLo = 0;
            xHi = 1;
        }
        if (yLo > yHi) {
            yLo = 0;
            yHi = 1;
        }
        boolean log = switch (c.scale()) {
            case LINEAR -> false;
            case LOG -> posLo < Double.POSITIVE_INFINITY && yHi > 0; // non-positive points are skipped
            case AUTO -> allPositive && yLo > 0 && yHi / yLo > LineChart.Scale.LOG_SPAN;
        };
        if (xLo > 0 && xLo <= 0.05 * xHi) {
            xLo = 0; // a run logged from step 10 of 3000 reads better from 0
        }
        Axis xAxis = Axis.linear(xLo, xHi, 0, Math.max(2, (int) (width / 90)));
        Axis yAxis = log ? Axis.log(posLo, yHi, 0.04) : Axis.linear(yLo, yHi, 0.04, yTicks);
        return new Frame(left, top, width, height, xAxis, yAxis, empty);
    }

    double px(double xv) {
        return left + width * x.fraction(xv);
    }

    double py(double yv) {
        return top + height * (1 - y.fraction(yv));
    }

    /** Pixel y of a tick (ticks are already in axis units, log10 on a log axis). */
    double tickY(double t) {
        return top + height * (1 - (t - y.min()) / (y.max() - y.min()));
    }

    double tickX(double t) {
        return left + width * (t - x.min()) / (x.max() - x.min());
    }

    /**
     * Baselines for the references' labels: just above each line, or just below it when that
     * would overlap the label of a line higher up, so close references stay legible. NaN for a
     * reference that cannot be placed.
     *
     * @param lineHeight the height a label needs, in pixels
     */
    double[] referenceLabelYs(List<LineChart.Reference> refs, double lineHeight) {
        double[] out = new double[refs.size()];
        Integer[] order = new Integer[refs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            out[i] = py(refs.get(i).y());
        }
        Arrays.sort(order, (a, b) -> Double.compare(Double.isNaN(out[a]) ? 1e300 : out[a],
                Double.isNaN(out[b]) ? 1e300 : out[b]));
        double previous = Double.NEGATIVE_INFINITY;
        for (int i : order) {
            double line = out[i];
            if (Double.isNaN(line)) {
                continue;
            }
            double label = line - 0.4 * lineHeight;
            if (label - previous < lineHeight) {
                label = line + lineHeight;
            }
            label = Math.max(label, previous + lineHeight);
            out[i] = label;
            previous = label;
        }
        return out;
    }

    /**
     * The runs of consecutive plottable points as pixel coordinates {x0, y0, x1, y1, ...}; a
     * point that cannot be placed (NaN, or not positive on a log axis) ends a run.
     */
    List<double[]> runs(double[] xs, double[] ys) {
        List<double[]> out = new ArrayList<>();
        double[] buf = new double[2 * xs.length];
        int n = 0;
        for (int i = 0; i < xs.length; i++) {
            double a = px(xs[i]);
            double b = py(ys[i]);
            if (Double.isFinite(a) && Double.isFinite(b)) {
                buf[n++] = a;
                buf[n++] = b;
            } else if (n > 0) {
                out.add(Arrays.copyOf(buf, n));
                n = 0;
            }
        }
        if (n > 0) {
            out.add(Arrays.copyOf(buf, n));
        }
        return out;
    }
}
