package dev.distill.examples.report;

import static dev.distill.examples.report.Html.esc;
import static dev.distill.examples.report.Html.px;

import java.util.List;

/**
 * Draws charts as inline SVG for the report page: plain elements, no script, no external
 * reference. Fonts and colours of text come from the page's CSS (classes {@code title},
 * {@code tick}, {@code label}, {@code legend}, {@code note}); each data point of a line carries
 * a {@code <title>} so hovering shows its value.
 */
final class SvgCharts {

    /** Hover targets per line at most; more would only grow the page. */
    private static final int MAX_HITS = 150;

    /** Lines of at most this many points (evaluations) get a dot at each point. */
    static final int SPARSE = 40;

    private SvgCharts() {}

    /** A line chart {@code w} by {@code h} pixels (the page scales it to the column width). */
    static String line(LineChart c, int w, int h) {
        int legendRows = c.series().size() > 1 ? legendRows(c.series(), w - 70) : 0;
        double left = 62;
        double top = 32 + legendRows * 17;
        double right = 16;
        double bottom = 44;
        Frame f = Frame.fit(c, left, top, w - left - right, h - top - bottom, Math.max(3, (int) ((h - top - bottom) / 45)));
        StringBuilder b = new StringBuilder(4096);
        b.append("<svg class=\"chart\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(c.title())).append("\">\n");
        b.append("<text class=\"title\" x=\"").append(px(left)).append("\" y=\"19\">").append(esc(c.title()))
                .append("</text>\n");
        if (legendRows > 0) {
            legend(b, c.series(), left, 38, w - 70);
        }
        // Plot area and grid.
        b.append("<rect class=\"plot\" x=\"").append(px(f.left)).append("\" y=\"").append(px(f.top))
                .append("\" width=\"").append(px(f.width)).append("\" height=\"").append(px(f.height)).append("\"/>\n");
        double yBottom = f.top + f.height;
        for (int i = 0; i < f.y.ticks().length; i++) {
            double y = f.tickY(f.y.ticks()[i]);
            b.append("<line class=\"grid\" x1=\"").append(px(f.left)).append("\" x2=\"").append(px(f.left + f.width))
                    .append("\" y1=\"").append(px(y)).append("\" y2=\"").append(px(y)).append("\"/>");
            b.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(px(f.left - 6)).append("\" y=\"")
                    .append(px(y + 3.5)).append("\">").append(esc(f.y.labels()[i])).append("</text>\n");
        }
        for (int i = 0; i < f.x.ticks().length; i++) {
            double x = f.tickX(f.x.ticks()[i]);
            b.append("<line class=\"grid\" x1=\"").append(px(x)).append("\" x2=\"").append(px(x))
                    .append("\" y1=\"").append(px(f.top)).append("\" y2=\"").append(px(yBottom)).append("\"/>");
            b.append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(px(x)).append("\" y=\"")
                    .append(px(yBottom + 15)).append("\">").append(esc(f.x.labels()[i])).append("</text>\n");
        }
        b.append("<text class=\"label\" text-anchor=\"middle\" x=\"").append(px(f.left + f.width / 2))
                .append("\" y=\"").append(h - 8).append("\">").append(esc(c.xLabel())).append("</text>\n");
        String yLabel = c.yLabel() + (f.y.log() ? " (log scale)" : "");
        b.append("<text class=\"label\" text-anchor=\"middle\" transform=\"translate(14 ")
                .append(px(f.top + f.height / 2)).append(") rotate(-90)\">").append(esc(yLabel)).append("</text>\n");
        if (f.empty) {
            b.append("<text class=\"note\" text-anchor=\"middle\" x=\"").append(px(f.left + f.width / 2))
                    .append("\" y=\"").append(px(f.top + f.height / 2)).append("\">no data</text>\n");
        }
        // References under the data.
        double[] labelYs = f.referenceLabelYs(c.references(), 13);
        for (int k = 0; k < c.references().size(); k++) {
            LineChart.Reference r = c.references().get(k);
            double y = f.py(r.y());
            if (!Double.isFinite(y)) {
                continue;
            }
            b.append("<line class=\"ref\" stroke=\"").append(r.color()).append("\" x1=\"").append(px(f.left))
                    .append("\" x2=\"").append(px(f.left + f.width)).append("\" y1=\"").append(px(y))
                    .append("\" y2=\"").append(px(y)).append("\"/>");
            b.append("<text class=\"reflabel\" fill=\"").append(r.color()).append("\" text-anchor=\"end\" x=\"")
                    .append(px(f.left + f.width - 4)).append("\" y=\"").append(px(labelYs[k])).append("\">")
                    .append(esc(r.label())).append("</text>\n");
        }
        for (LineChart.Series s : c.series()) {
            double[] shown = s.y();
            boolean smoothed = s.smooth() && Smoothing.defaultWeight(s.y().length) > 0;
            if (smoothed) {
                polylines(b, f.runs(s.x(), s.y()), s.color(), "raw");
                shown = Smoothing.ema(s.y(), Smoothing.defaultWeight(s.y().length));
            }
            polylines(b, f.runs(s.x(), shown), s.color(), "line");
            if (s.x().length == 1 || (!smoothed && s.x().length <= SPARSE)) {
                for (int i = 0; i < s.x().length; i++) {
                    dot(b, f, s.x()[i], s.y()[i], s.color());
                }
            }
            hits(b, f, s, shown, smoothed);
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** Horizontal bars, {@code w} pixels wide; the height follows from the number of bars. */
    static String bars(BarChart c, int w) {
        double labelW = 190;
        double valueW = 90;
        double top = c.note().isEmpty() ? 34 : 48;
        double row = 26;
        int h = (int) Math.ceil(top + row * c.bars().size() + 8);
        double max = 0;
        for (BarChart.Bar bar : c.bars()) {
            if (Double.isFinite(bar.value())) {
                max = Math.max(max, bar.value());
            }
        }
        double x0 = labelW;
        double span = w - labelW - valueW;
        StringBuilder b = new StringBuilder(1024);
        b.append("<svg class=\"chart\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(c.title())).append("\">\n");
        b.append("<text class=\"title\" x=\"8\" y=\"19\">").append(esc(c.title())).append("</text>\n");
        if (!c.note().isEmpty()) {
            b.append("<text class=\"note\" x=\"8\" y=\"36\">").append(esc(c.note())).append("</text>\n");
        }
        for (int i = 0; i < c.bars().size(); i++) {
            BarChart.Bar bar = c.bars().get(i);
            double y = top + i * row;
            b.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(px(x0 - 8)).append("\" y=\"")
                    .append(px(y + row / 2 + 4)).append("\">").append(esc(shorten(bar.label(), 30))).append("</text>");
            if (Double.isFinite(bar.value()) && max > 0) {
                double len = Math.max(1, span * bar.value() / max);
                b.append("<rect fill=\"").append(bar.color()).append("\" x=\"").append(px(x0)).append("\" y=\"")
                        .append(px(y + 4)).append("\" width=\"").append(px(len)).append("\" height=\"")
                        .append(px(row - 8)).append("\" rx=\"2\"><title>").append(esc(bar.label())).append(": ")
                        .append(esc(c.format().apply(bar.value()))).append("</title></rect>");
                b.append("<text class=\"value\" x=\"").append(px(x0 + len + 6)).append("\" y=\"")
                        .append(px(y + row / 2 + 4)).append("\">").append(esc(c.format().apply(bar.value())))
                        .append("</text>\n");
            } else {
                b.append("<text class=\"note\" x=\"").append(px(x0 + 2)).append("\" y=\"").append(px(y + row / 2 + 4))
                        .append("\">n/a</text>\n");
            }
        }
        b.append("<line class=\"axis\" x1=\"").append(px(x0)).append("\" x2=\"").append(px(x0)).append("\" y1=\"")
                .append(px(top)).append("\" y2=\"").append(px(top + row * c.bars().size())).append("\"/>\n");
        b.append("</svg>\n");
        return b.toString();
    }

    private static void polylines(StringBuilder b, List<double[]> runs, String color, String cls) {
        for (double[] r : runs) {
            if (r.length < 4) {
                continue;
            }
            b.append("<polyline class=\"").append(cls).append("\" stroke=\"").append(color).append("\" points=\"");
            for (int i = 0; i < r.length; i += 2) {
                if (i > 0) {
                    b.append(' ');
                }
                b.append(px(r[i])).append(',').append(px(r[i + 1]));
            }
            b.append("\"/>\n");
        }
    }

    private static void dot(StringBuilder b, Frame f, double x, double y, String color) {
        double cx = f.px(x);
        double cy = f.py(y);
        if (Double.isFinite(cx) && Double.isFinite(cy)) {
            b.append("<circle cx=\"").append(px(cx)).append("\" cy=\"").append(px(cy)).append("\" r=\"3\" fill=\"")
                    .append(color).append("\"/>\n");
        }
    }

    /** Invisible circles on the shown line whose tooltips give step and value. */
    private static void hits(StringBuilder b, Frame f, LineChart.Series s, double[] shown, boolean smoothed) {
        int n = s.x().length;
        int every = Math.max(1, (int) Math.ceil(n / (double) MAX_HITS));
        for (int i = 0; i < n; i += every) {
            int j = i + every >= n ? n - 1 : i; // always include the last point
            double cx = f.px(s.x()[j]);
            double cy = f.py(shown[j]);
            if (!Double.isFinite(cx) || !Double.isFinite(cy)) {
                continue;
            }
            b.append("<circle class=\"hit\" fill=\"").append(s.color()).append("\" cx=\"").append(px(cx))
                    .append("\" cy=\"").append(px(cy)).append("\" r=\"4\"><title>").append(esc(s.name()))
                    .append(" \u00b7 step ").append(Html.num(s.x()[j])).append(": ").append(Html.num(s.y()[j]));
            if (smoothed) {
                b.append(" (smoothed ").append(Html.num(shown[j])).append(')');
            }
            b.append("</title></circle>");
        }
        b.append('\n');
    }

    private static int legendRows(List<LineChart.Series> series, double width) {
        int rows = 1;
        double x = 0;
        for (LineChart.Series s : series) {
            double item = legendWidth(s.name());
            if (x > 0 && x + item > width) {
                rows++;
                x = 0;
            }
            x += item;
        }
        return rows;
    }

    private static void legend(StringBuilder b, List<LineChart.Series> series, double left, double y, double width) {
        double x = 0;
        for (LineChart.Series s : series) {
            double item = legendWidth(s.name());
            if (x > 0 && x + item > width) {
                y += 17;
                x = 0;
            }
            b.append("<line class=\"line\" stroke=\"").append(s.color()).append("\" x1=\"").append(px(left + x))
                    .append("\" x2=\"").append(px(left + x + 16)).append("\" y1=\"").append(px(y - 4))
                    .append("\" y2=\"").append(px(y - 4)).append("\"/>");
            b.append("<text class=\"legend\" x=\"").append(px(left + x + 21)).append("\" y=\"").append(px(y))
                    .append("\">").append(esc(s.name())).append("</text>");
            x += item;
        }
        b.append('\n');
    }

    /** An estimate of a legend item's width at 11 px: the swatch and about 6.3 px a character. */
    private static double legendWidth(String name) {
        return 21 + 6.3 * name.length() + 16;
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }
}
