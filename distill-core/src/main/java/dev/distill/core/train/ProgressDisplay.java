package dev.distill.core.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * What a person watching the run sees on stderr: a bar redrawn in place
 * ({@code [#####-----] 120/1000  loss 1.2345  3,456 tok/s  ETA 02:13}) when stderr is a terminal,
 * one plain line per log point otherwise (logs and CI output stay readable). Java cannot ask
 * whether stderr alone is a terminal; {@code AUTO} uses {@link System#console()}, which is
 * non-null when the process is attached to one.
 */
final class ProgressDisplay {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream err;
    private final boolean bar;
    private final boolean enabled;
    private long lastDraw;
    private boolean lineOpen;
    private double lastLoss = Double.NaN;
    private double lastTokensPerSecond = Double.NaN;

    ProgressDisplay(TrainerConfig.Progress mode, PrintStream err) {
        this.err = err;
        this.enabled = mode != TrainerConfig.Progress.OFF;
        this.bar = mode == TrainerConfig.Progress.BAR
                || (mode == TrainerConfig.Progress.AUTO && System.console() != null);
    }

    /** Every step: redraws the bar (at most 5 times a second) with the last known loss. */
    void step(long step, long total, double etaSeconds) {
        if (!enabled || !bar) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && step != total) {
            return;
        }
        lastDraw = now;
        err.print("\r" + line(step, total, etaSeconds));
        err.flush();
        lineOpen = true;
    }

    /** At a log point. */
    void log(TrainingListener.StepReport r) {
        lastLoss = r.loss();
        lastTokensPerSecond = r.tokensPerSecond();
        if (!enabled) {
            return;
        }
        if (bar) {
            lastDraw = 0;
            step(r.step(), r.totalSteps(), r.etaSeconds());
        } else {
            err.println(line(r.step(), r.totalSteps(), r.etaSeconds()) + String.format(Locale.ROOT,
                    "  lr %.3g  grad %.3g", r.learningRate(), r.gradNorm()));
            err.flush();
        }
    }

    /** A message on its own line (evaluation, checkpoint, end). */
    void message(String text) {
        if (!enabled) {
            return;
        }
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
        err.println(text);
        err.flush();
    }

    void finish() {
        if (enabled && lineOpen) {
            err.println();
            lineOpen = false;
        }
    }

    private String line(long step, long total, double etaSeconds) {
        int filled = (int) Math.min(WIDTH, WIDTH * step / Math.max(1, total));
        StringBuilder sb = new StringBuilder("[");
        sb.append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ");
        sb.append(step).append('/').append(total);
        sb.append(String.format(Locale.ROOT, "  loss %s  %s tok/s  ETA %s",
                Double.isNaN(lastLoss) ? "-" : String.format(Locale.ROOT, "%.4f", lastLoss),
                Double.isNaN(lastTokensPerSecond) ? "-" : String.format(Locale.ROOT, "%,.0f", lastTokensPerSecond),
                duration(etaSeconds)));
        return sb.toString();
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
