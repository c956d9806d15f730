package dev.distill.examples.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr: {@code [#####.....] 45% 900/2,000 examples 12.3/s ETA 0:41}. */
public final class ProgressBar {

    private final PrintStream out;
    private final String unit;
    private final long start = System.nanoTime();
    private long lastPrint;

    public ProgressBar(PrintStream out, String unit) {
        this.out = out;
        this.unit = unit;
    }

    /** Redraws the bar (at most 10 times a second, and always at the end). */
    public void update(long done, long total, String extra) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 100_000_000L) {
            return;
        }
        lastPrint = now;
        double f = total == 0 ? 1 : (double) done / total;
        int width = 30;
        int filled = (int) Math.round(f * width);
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        out.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %,d/%,d %s %.1f/s ETA %d:%02d %s", "#".repeat(filled),
                ".".repeat(width - filled), 100 * f, done, total, unit, rate, eta / 60, eta % 60,
                extra == null ? "" : extra);
        if (done >= total) {
            out.println();
        }
        out.flush();
    }
}
