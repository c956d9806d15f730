package dev.distill.examples.report;

import dev.distill.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Writes a run's report next to its {@code metrics.jsonl}:
 * <ul>
 *   <li>{@code report.html}: one self-contained page (inline CSS and SVG, nothing fetched) with
 *       the summary table, a chart per loss term, the evaluation metrics against the teacher,
 *       training dynamics, size and speed bars, and the configuration;</li>
 *   <li>{@code main-chart.png}: every loss term over steps on one 1200x600 chart;</li>
 *   <li>{@code summary.json}: the {@link RunSummary}, so {@code ./distill report --run <dir>}
 *       can rebuild both later (while training goes on, for instance).</li>
 * </ul>
 * Each file is replaced atomically: a reader sees the old one or the new one, never half.
 *
 * <pre>{@code
 * ReportWriter.Report r = ReportWriter.write(runDir, summary);
 * System.out.println("report: " + r.html().toUri());
 * }</pre>
 */
public final class ReportWriter {

    public static final String HTML = "report.html";
    public static final String PNG = "main-chart.png";
    public static final int PNG_WIDTH = 1200;
    public static final int PNG_HEIGHT = 600;

    /**
     * What was written.
     *
     * @param html the page
     * @param png the main chart
     * @param metrics what the metrics log held
     */
    public record Report(Path html, Path png, RunMetrics metrics) {
        @Override
        public String toString() {
            return "Report[html=" + html + ", png=" + png + ", " + metrics.train().size() + " training points, "
                    + metrics.evals().size() + " evaluations]";
        }
    }

    private ReportWriter() {}

    /**
     * Saves {@code summary} as {@code summary.json} in {@code runDirectory} and writes the report
     * there from its {@code metrics.jsonl} (a run without one gets a page without curves).
     */
    public static Report write(Path runDirectory, RunSummary summary) throws IOException {
        Path metricsFile = runDirectory.resolve(RunMetrics.FILE);
        RunMetrics metrics = Files.exists(metricsFile) ? RunMetrics.read(metricsFile)
                : new RunMetrics(List.of(), List.of());
        AtomicFiles.writeString(runDirectory.resolve(RunSummary.FILE), summary.toJson());
        return write(metrics, summary, runDirectory);
    }

    /**
     * Rebuilds the report of {@code runDirectory} from its {@code metrics.jsonl} and
     * {@code summary.json} into {@code outDirectory}. Without a {@code summary.json} (a run
     * still training, or one whose example wrote none) the page has the curves but no model
     * comparison, and is titled after the directory.
     */
    public static Report regenerate(Path runDirectory, Path outDirectory) throws IOException {
        Path metricsFile = runDirectory.resolve(RunMetrics.FILE);
        Path summaryFile = runDirectory.resolve(RunSummary.FILE);
        boolean hasMetrics = Files.isRegularFile(metricsFile);
        boolean hasSummary = Files.isRegularFile(summaryFile);
        if (!Files.isDirectory(runDirectory)) {
            throw new IllegalArgumentException("run directory " + runDirectory + " does not exist; pass the folder"
                    + " the trainer wrote metrics.jsonl into");
        }
        if (!hasMetrics && !hasSummary) {
            throw new IllegalArgumentException("run directory " + runDirectory + " holds neither " + RunMetrics.FILE
                    + " nor " + RunSummary.FILE + "; pass the folder the trainer wrote metrics.jsonl into");
        }
        RunMetrics metrics = hasMetrics ? RunMetrics.read(metricsFile) : new RunMetrics(List.of(), List.of());
        RunSummary summary = hasSummary ? RunSummary.readRun(runDirectory)
                : RunSummary.builder(titleFor(runDirectory)).build();
        return write(metrics, summary, outDirectory);
    }

    /** Writes {@code report.html} and {@code main-chart.png} into {@code outDirectory}. */
    public static Report write(RunMetrics metrics, RunSummary summary, Path outDirectory) throws IOException {
        Files.createDirectories(outDirectory);
        String when = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        Path html = outDirectory.resolve(HTML);
        Path png = outDirectory.resolve(PNG);
        AtomicFiles.writeBytes(png, PngChart.png(mainChart(metrics, summary), PNG_WIDTH, PNG_HEIGHT));
        AtomicFiles.writeString(html, HtmlReport.render(metrics, summary, when, version()));
        return new Report(html, png, metrics);
    }

    /** The chart of {@code main-chart.png}: every loss term (and the total) over steps. */
    public static LineChart mainChart(RunMetrics metrics, RunSummary summary) {
        return ReportCharts.allTerms(metrics, summary.title() + " \u2014 loss terms");
    }

    /** The page as a string, for callers that serve or embed it themselves. */
    public static String html(RunMetrics metrics, RunSummary summary) {
        String when = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return HtmlReport.render(metrics, summary, when, version());
    }

    private static String titleFor(Path runDirectory) {
        Path name = runDirectory.toAbsolutePath().normalize().getFileName();
        return "Run " + (name == null ? runDirectory.toString() : name.toString());
    }

    private static String version() {
        String v = ReportWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
