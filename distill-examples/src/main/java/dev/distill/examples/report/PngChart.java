package dev.distill.examples.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws a {@link LineChart} into an image with Java2D, headless: the same axes as the page
 * ({@link Frame}), a legend on the right with each line's last (smoothed) value, and the same
 * raw-faint / smoothed-solid style. Meant for a PNG to paste in a README or an issue.
 */
public final class PngChart {

    static {
        // No display is needed or wanted; must be set before the first AWT class initialises.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final Color BACKGROUND = Color.WHITE;
    private static final Color GRID = new Color(0xE6E6E6);
    private static final Color BORDER = new Color(0xB4B4B4);
    private static final Color TEXT = new Color(0x222222);
    private static final Color MUTED = new Color(0x5A5A5A);

    private PngChart() {}

    /** The chart as PNG bytes. */
    public static byte[] png(LineChart chart, int width, int height) {
        BufferedImage image = render(chart, width, height);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("this JVM has no PNG writer (javax.imageio); it is part of every"
                        + " standard JDK, so check the runtime image");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The chart drawn into a new {@code width} x {@code height} RGB image. */
    public static BufferedImage render(LineChart chart, int width, int height) {
        if (width < 400 || height < 250) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " is too small for axes and"
                    + " a legend; use at least 400x250");
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g, chart, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void draw(Graphics2D g, LineChart c, int w, int h) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, w, h);

        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 20);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
        Font legendFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

        double legendW = Math.min(300, Math.max(180, legendTextWidth(g, legendFont, c) + 60));
        double left = 92;
        double top = 58;
        double right = c.series().size() > 1 ? legendW + 16 : 28;
        double bottom = 66;
        Frame f = Frame.fit(c, left, top, w - left - right, h - top - bottom, Math.max(4, (int) ((h - top - bottom) / 70)));

        g.setFont(titleFont);
        g.setColor(TEXT);
        g.drawString(c.title(), (float) left, 36f);

        // Grid, border, ticks.
        Rectangle2D plot = new Rectangle2D.Double(f.left, f.top, f.width, f.height);
        g.setFont(tickFont);
        FontMetrics tm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < f.y.ticks().length; i++) {
            double y = f.tickY(f.y.ticks()[i]);
            g.setColor(GRID);
            g.draw(new Line2D.Double(f.left, y, f.left + f.width, y));
            g.setColor(MUTED);
            String s = f.y.labels()[i];
            g.drawString(s, (float) (f.left - 8 - tm.stringWidth(s)), (float) (y + tm.getAscent() / 2.0 - 1));
        }
        double yBottom = f.top + f.height;
        for (int i = 0; i < f.x.ticks().length; i++) {
            double x = f.tickX(f.x.ticks()[i]);
            g.setColor(GRID);
            g.draw(new Line2D.Double(x, f.top, x, yBottom));
            g.setColor(BORDER);
            g.draw(new Line2D.Double(x, yBottom, x, yBottom + 5));
            g.setColor(MUTED);
            String s = f.x.labels()[i];
            g.drawString(s, (float) (x - tm.stringWidth(s) / 2.0), (float) (yBottom + 8 + tm.getAscent()));
        }
        g.setColor(BORDER);
        g.draw(plot);

        // Axis labels.
        g.setFont(labelFont);
        FontMetrics lm = g.getFontMetrics();
        g.setColor(TEXT);
        g.drawString(c.xLabel(), (float) (f.left + f.width / 2 - lm.stringWidth(c.xLabel()) / 2.0), (float) (h - 18));
        String yLabel = c.yLabel() + (f.y.log() ? " (log scale)" : "");
        AffineTransform saved = g.getTransform();
        g.translate(26, f.top + f.height / 2 + lm.stringWidth(yLabel) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, 0f, 0f);
        g.setTransform(saved);
        if (f.empty) {
            g.setColor(MUTED);
            g.drawString("no data", (float) (f.left + f.width / 2 - lm.stringWidth("no data") / 2.0),
                    (float) (f.top + f.height / 2));
        }

        // Data, clipped to the plot.
        Shape clip = g.getClip();
        g.clip(new Rectangle2D.Double(f.left - 2, f.top - 2, f.width + 4, f.height + 4));
        g.setFont(tickFont);
        double[] labelYs = f.referenceLabelYs(c.references(), tm.getAscent() + 3);
        for (int k = 0; k < c.references().size(); k++) {
            LineChart.Reference r = c.references().get(k);
            double y = f.py(r.y());
            if (!Double.isFinite(y)) {
                continue;
            }
            Color col = Color.decode(r.color());
            g.setColor(col);
            g.setStroke(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f));
            g.draw(new Line2D.Double(f.left, y, f.left + f.width, y));
            g.drawString(r.label(), (float) (f.left + f.width - 6 - tm.stringWidth(r.label())), (float) labelYs[k]);
        }
        double[] last = new double[c.series().size()];
        for (int k = 0; k < c.series().size(); k++) {
            LineChart.Series s = c.series().get(k);
            Color col = Color.decode(s.color());
            double[] shown = s.y();
            boolean smoothed = s.smooth() && Smoothing.defaultWeight(s.y().length) > 0;
            if (smoothed) {
                g.setColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 70));
                g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                drawRuns(g, f.runs(s.x(), s.y()));
                shown = Smoothing.ema(s.y(), Smoothing.defaultWeight(s.y().length));
            }
            g.setColor(col);
            g.setStroke(new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            drawRuns(g, f.runs(s.x(), shown));
            if (s.x().length == 1 || (!smoothed && s.x().length <= SvgCharts.SPARSE)) {
                for (int i = 0; i < s.x().length; i++) {
                    double cx = f.px(s.x()[i]);
                    double cy = f.py(s.y()[i]);
                    if (Double.isFinite(cx) && Double.isFinite(cy)) {
                        g.fill(new Ellipse2D.Double(cx - 4, cy - 4, 8, 8));
                    }
                }
            }
            last[k] = lastFinite(shown);
        }
        g.setClip(clip);

        // Legend: one row per line, with its last value.
        if (c.series().size() > 1) {
            g.setFont(legendFont);
            FontMetrics gm = g.getFontMetrics();
            double x = f.left + f.width + 22;
            double y = f.top + 10;
            for (int k = 0; k < c.series().size(); k++) {
                LineChart.Series s = c.series().get(k);
                g.setColor(Color.decode(s.color()));
                g.setStroke(new BasicStroke(3.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(new Line2D.Double(x, y, x + 24, y));
                g.setColor(TEXT);
                g.drawString(s.name(), (float) (x + 32), (float) (y + gm.getAscent() / 2.0 - 1));
                g.setColor(MUTED);
                g.drawString("last " + Html.num(last[k]), (float) (x + 32), (float) (y + gm.getAscent() / 2.0 + 17));
                y += 44;
                if (y > h - bottom) {
                    break;
                }
            }
        }
    }

    private static void drawRuns(Graphics2D g, List<double[]> runs) {
        for (double[] r : runs) {
            if (r.length < 4) {
                continue;
            }
            Path2D.Double p = new Path2D.Double(Path2D.WIND_NON_ZERO, r.length / 2);
            p.moveTo(r[0], r[1]);
            for (int i = 2; i < r.length; i += 2) {
                p.lineTo(r[i], r[i + 1]);
            }
            g.draw(p);
        }
    }

    private static double legendTextWidth(Graphics2D g, Font font, LineChart c) {
        FontMetrics m = g.getFontMetrics(font);
        int max = 0;
        for (LineChart.Series s : c.series()) {
            max = Math.max(max, m.stringWidth(s.name()));
        }
        return max;
    }

    private static double lastFinite(double[] v) {
        for (int i = v.length - 1; i >= 0; i--) {
            if (Double.isFinite(v[i])) {
                return v[i];
            }
        }
        return Double.NaN;
    }
}
