package dev.distill.examples.report;

import java.util.List;
import java.util.Objects;

/**
 * A line chart, independent of how it is drawn ({@link SvgCharts} for the page,
 * {@link PngChart} for the image): series over a shared x axis, optional horizontal reference
 * lines, and the y scale.
 *
 * @param title drawn above the plot
 * @param xLabel x axis label
 * @param yLabel y axis label; " (log scale)" is appended when the scale resolves to log
 * @param series lines in drawing order (the last is on top)
 * @param references horizontal lines across the plot, e.g. the teacher's score
 * @param scale the y scale
 */
public record LineChart(String title, String xLabel, String yLabel, List<Series> series,
        List<Reference> references, Scale scale) {

    /** How values map to height. */
    public enum Scale {
        /**
         * Log when every plotted value is positive and the largest is more than
         * {@link #LOG_SPAN} times the smallest (one and a half decades), else linear: loss
         * curves that fall by decades keep their late progress visible.
         */
        AUTO,
        LINEAR,
        LOG;

        /** The max/min ratio above which {@link #AUTO} picks a log scale: 10^1.5. */
        public static final double LOG_SPAN = Math.pow(10, 1.5);
    }

    /**
     * One line. Points with a non-finite y (or a non-positive y on a log scale) are skipped,
     * and the line is broken there.
     *
     * @param name legend text
     * @param x x values, increasing
     * @param y y values, as many as x
     * @param color CSS hex colour {@code #rrggbb}
     * @param smooth draw the raw values faint and an exponential moving average
     *     ({@link Smoothing}) solid on top
     */
    public record Series(String name, double[] x, double[] y, String color, boolean smooth) {
        public Series {
            Objects.requireNonNull(name, "name");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and "
                        + y.length + " y values; give one y per x");
            }
            checkColor(color);
        }
    }

    /**
     * A horizontal line at {@code y} labelled at its right end.
     *
     * @param label e.g. "teacher 82.0"
     * @param y the value
     * @param color CSS hex colour {@code #rrggbb}
     */
    public record Reference(String label, double y, String color) {
        public Reference {
            checkColor(color);
        }
    }

    public LineChart {
        series = List.copyOf(series);
        references = List.copyOf(references);
        Objects.requireNonNull(scale, "scale");
    }

    static void checkColor(String color) {
        if (color == null || !color.matches("#[0-9a-fA-F]{6}")) {
            throw new IllegalArgumentException("colour '" + color + "' is not of the form #rrggbb");
        }
    }
}
