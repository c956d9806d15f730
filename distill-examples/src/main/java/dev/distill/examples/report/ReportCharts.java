package dev.distill.examples.report;

import dev.distill.examples.report.RunMetrics.EvalPoint;
import dev.distill.examples.report.RunMetrics.TrainPoint;
import dev.distill.examples.report.RunSummary.Model;
import dev.distill.examples.report.RunSummary.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;

/** The charts of a report, built from the metrics and the summary (drawing is elsewhere). */
final class ReportCharts {

    /** Tableau 10: distinct hues that stay apart for common colour-vision deficiencies. */
    static final String[] PALETTE = {"#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948",
        "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"};
    static final String TOTAL = "#333333";
    static final String TEACHER = "#4E79A7";
    static final String STUDENT = "#F28E2B";
    static final String REFERENCE = "#8C8C8C";

    private ReportCharts() {}

    static String roleColor(Role r) {
        return switch (r) {
            case TEACHER -> TEACHER;
            case STUDENT -> STUDENT;
            case REFERENCE -> REFERENCE;
        };
    }

    /** The colour of term {@code i}, the same in the combined chart and the term's own chart. */
    static String termColor(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** Every loss term, and the total, over steps on one chart: the report's main chart. */
    static LineChart allTerms(RunMetrics m, String title) {
        List<LineChart.Series> series = new ArrayList<>();
        List<String> terms = topLevel(m.termNames());
        for (int i = 0; i < terms.size(); i++) {
            String t = terms.get(i);
            series.add(series(m, t, p -> p.terms().getOrDefault(t, Double.NaN), termColor(i), true));
        }
        if (hasAny(m, TrainPoint::loss) && !(terms.size() == 1 && sameAsTotal(m, terms.get(0)))) {
            series.add(series(m, "total", TrainPoint::loss, TOTAL, true));
        }
        return new LineChart(title, "step", "loss", series, List.of(), LineChart.Scale.AUTO);
    }

    /** The total loss. */
    static LineChart total(RunMetrics m) {
        return new LineChart("total loss", "step", "loss",
                List.of(series(m, "total", TrainPoint::loss, TOTAL, true)), List.of(), LineChart.Scale.AUTO);
    }

    /**
     * Top-level term {@code i} of {@link #topLevel}, with its parts ({@code term/part}, e.g. one
     * per mapped layer pair) drawn beside it.
     */
    static LineChart term(RunMetrics m, int i) {
        String t = topLevel(m.termNames()).get(i);
        List<LineChart.Series> series = new ArrayList<>();
        series.add(series(m, t, p -> p.terms().getOrDefault(t, Double.NaN), termColor(0), true));
        int c = 1;
        for (String part : m.termNames()) {
            if (part.startsWith(t + "/")) {
                series.add(series(m, part, p -> p.terms().getOrDefault(part, Double.NaN), termColor(c++), true));
            }
        }
        return new LineChart(t, "step", "loss term", series, List.of(), LineChart.Scale.AUTO);
    }

    /**
     * The terms that are not parts of another ({@code hidden_mse} but not {@code hidden_mse/s1_t2});
     * all terms when none is top-level.
     */
    static List<String> topLevel(List<String> terms) {
        List<String> top = new ArrayList<>();
        for (String t : terms) {
            if (!t.contains("/")) {
                top.add(t);
            }
        }
        return top.isEmpty() ? terms : top;
    }

    /**
     * An evaluation metric over steps, with the teacher's value (and any reference model's) as
     * a dashed horizontal line when the summary lists the metric under the same name.
     */
    static LineChart eval(RunMetrics m, String metric, RunSummary s) {
        double[] x = new double[m.evals().size()];
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            EvalPoint p = m.evals().get(i);
            x[i] = p.step();
            y[i] = p.metrics().getOrDefault(metric, Double.NaN);
        }
        String student = s.models().stream().filter(mo -> mo.role() == Role.STUDENT).map(Model::name)
                .findFirst().orElse("student");
        List<LineChart.Reference> refs = new ArrayList<>();
        for (Model mo : s.models()) {
            Double v = mo.metrics().get(metric);
            if (mo.role() != Role.STUDENT && v != null && Double.isFinite(v)) {
                refs.add(new LineChart.Reference(mo.role().name().toLowerCase(Locale.ROOT) + " "
                        + mo.name() + ": " + Html.num(v), v, roleColor(mo.role())));
            }
        }
        return new LineChart(metric, "step", metric,
                List.of(new LineChart.Series(student, x, y, STUDENT, false)), refs, LineChart.Scale.LINEAR);
    }

    /** Whether every finite value of a metric is the same (a flat chart says nothing). */
    static Optional<Double> constantValue(RunMetrics m, String metric) {
        Double value = null;
        for (EvalPoint p : m.evals()) {
            double v = p.metrics().getOrDefault(metric, Double.NaN);
            if (Double.isNaN(v)) {
                continue;
            }
            if (value == null) {
                value = v;
            } else if (value != v) {
                return Optional.empty();
            }
        }
        return Optional.ofNullable(value);
    }

    /** Learning rate, gradient norm and throughput, where logged. */
    static List<LineChart> dynamics(RunMetrics m) {
        List<LineChart> out = new ArrayList<>();
        if (hasAny(m, TrainPoint::learningRate)) {
            out.add(new LineChart("learning rate", "step", "learning rate",
                    List.of(series(m, "lr", TrainPoint::learningRate, PALETTE[4], false)), List.of(),
                    LineChart.Scale.LINEAR));
        }
        if (hasAny(m, TrainPoint::gradNorm)) {
            out.add(new LineChart("gradient norm (before clipping)", "step", "L2 norm",
                    List.of(series(m, "grad norm", TrainPoint::gradNorm, PALETTE[6], true)), List.of(),
                    LineChart.Scale.AUTO));
        }
        if (hasAny(m, TrainPoint::tokensPerSecond)) {
            out.add(new LineChart("training throughput", "step", "tokens / s",
                    List.of(series(m, "tokens/s", TrainPoint::tokensPerSecond, PALETTE[3], true)), List.of(),
                    LineChart.Scale.LINEAR));
        }
        return out;
    }

    /** Bar charts of parameters, size, latency and throughput, each where some model has it. */
    static List<BarChart> models(RunSummary s) {
        List<BarChart> out = new ArrayList<>();
        addBars(out, s, "Parameters", "", m -> m.hasParameters() ? m.parameters() : Double.NaN, Html::count);
        addBars(out, s, "Size on disk", "", m -> m.hasSize() ? m.sizeBytes() : Double.NaN, Html::bytes);
        addBars(out, s, "Latency per batch", "milliseconds, lower is better",
                m -> m.hasLatency() ? m.latencyMs() : Double.NaN, v -> Html.num(v) + " ms");
        addBars(out, s, "Throughput", "sentences per second, higher is better",
                m -> m.hasThroughput() ? m.sentencesPerSecond() : Double.NaN, v -> Html.num(v) + " /s");
        return out;
    }

    private static void addBars(List<BarChart> out, RunSummary s, String title, String note,
            ToDoubleFunction<Model> value, DoubleFunction<String> format) {
        List<BarChart.Bar> bars = new ArrayList<>();
        boolean any = false;
        for (Model m : s.models()) {
            double v = value.applyAsDouble(m);
            any |= Double.isFinite(v);
            bars.add(new BarChart.Bar(m.name(), v, roleColor(m.role())));
        }
        if (any) {
            out.add(new BarChart(title, note, bars, format));
        }
    }

    private static LineChart.Series series(RunMetrics m, String name, ToDoubleFunction<TrainPoint> f, String color,
            boolean smooth) {
        double[] x = new double[m.train().size()];
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            TrainPoint p = m.train().get(i);
            x[i] = p.step();
            y[i] = f.applyAsDouble(p);
        }
        return new LineChart.Series(name, x, y, color, smooth);
    }

    static boolean hasAny(RunMetrics m, ToDoubleFunction<TrainPoint> f) {
        for (TrainPoint p : m.train()) {
            if (Double.isFinite(f.applyAsDouble(p))) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameAsTotal(RunMetrics m, String term) {
        for (TrainPoint p : m.train()) {
            double t = p.terms().getOrDefault(term, Double.NaN);
            if (Double.isFinite(t) && Double.isFinite(p.loss()) && Math.abs(t - p.loss()) > 1e-9 * Math.abs(p.loss())) {
                return false;
            }
        }
        return true;
    }
}
