package dev.distill.examples.cli;

import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunMetrics;
import dev.distill.examples.report.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./distill report}: rebuild a run's HTML report and main chart from its files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Rebuild a run's report from its metrics.jsonl and summary.json: report.html",
                "(self-contained, opens offline) and main-chart.png (all loss terms, 1200x600).",
                "Works while the run is still training; without summary.json the page has the",
                "curves but no model comparison."})
public final class ReportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "The run directory (holds metrics.jsonl, and summary.json if the example wrote one).")
    Path run;

    @Option(names = "--out", paramLabel = "DIR", description = "Write the report here (default: the run directory).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(run.resolve(RunSummary.FILE))
                && Files.isRegularFile(run.resolve(RunMetrics.FILE))) {
            System.err.println("note: no summary.json in " + run + "; the report shows the curves only");
        }
        ReportWriter.Report r = ReportWriter.regenerate(run, out == null ? run : out);
        System.out.println("report: " + r.html().toAbsolutePath());
        System.out.println("chart:  " + r.png().toAbsolutePath());
        System.out.printf(Locale.ROOT, "(%d training points, %d evaluations, last step %d)%n",
                r.metrics().train().size(), r.metrics().evals().size(), r.metrics().lastStep());
        return 0;
    }
}
