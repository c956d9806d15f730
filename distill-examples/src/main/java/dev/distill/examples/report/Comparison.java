package dev.distill.examples.report;

import dev.distill.examples.report.RunSummary.Model;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One row of the report's summary table: a model measured against the teacher. Every ratio is
 * NaN when the teacher or the model lacks the quantity (or there is no teacher).
 *
 * <ul>
 *   <li>{@code retention[m] = 100 * model.metrics[m] / teacher.metrics[m]} (percent), for
 *       metrics where higher is better (STS correlation, accuracy); the teacher retains 100 %.</li>
 *   <li>{@code parameterRatio = model.parameters / teacher.parameters} (0.25 = a quarter of the
 *       teacher's size).</li>
 *   <li>{@code speedUp = teacher.latencyMs / model.latencyMs} when both latencies are known,
 *       otherwise {@code model.sentencesPerSecond / teacher.sentencesPerSecond} (2.0 = twice as
 *       fast). Latency is preferred because it is what the comparison measured per batch.</li>
 * </ul>
 *
 * @param model the model of this row
 * @param parameterRatio the model's parameters over the teacher's
 * @param sizeRatio the model's bytes on disk over the teacher's
 * @param speedUp how many times faster than the teacher
 * @param retention percent of the teacher's value, per metric of the model (in its order)
 */
public record Comparison(Model model, double parameterRatio, double sizeRatio, double speedUp,
        Map<String, Double> retention) {

    public Comparison {
        retention = Collections.unmodifiableMap(new LinkedHashMap<>(retention));
    }

    /** One row per model of {@code summary}, in its order. */
    public static List<Comparison> of(RunSummary summary) {
        Optional<Model> teacher = summary.teacher();
        List<Comparison> rows = new ArrayList<>();
        for (Model m : summary.models()) {
            rows.add(teacher.map(t -> against(m, t)).orElseGet(() -> alone(m)));
        }
        return rows;
    }

    /** {@code model} against {@code teacher}; see the class comment for the formulas. */
    public static Comparison against(Model model, Model teacher) {
        double params = model.hasParameters() && teacher.hasParameters()
                ? (double) model.parameters() / teacher.parameters() : Double.NaN;
        double size = model.hasSize() && teacher.hasSize()
                ? (double) model.sizeBytes() / teacher.sizeBytes() : Double.NaN;
        double speed;
        if (model.hasLatency() && teacher.hasLatency()) {
            speed = teacher.latencyMs() / model.latencyMs();
        } else if (model.hasThroughput() && teacher.hasThroughput()) {
            speed = model.sentencesPerSecond() / teacher.sentencesPerSecond();
        } else {
            speed = Double.NaN;
        }
        Map<String, Double> retention = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : model.metrics().entrySet()) {
            Double t = teacher.metrics().get(e.getKey());
            double v = e.getValue();
            retention.put(e.getKey(), t != null && Double.isFinite(t) && t != 0 && Double.isFinite(v)
                    ? 100.0 * v / t : Double.NaN);
        }
        return new Comparison(model, params, size, speed, retention);
    }

    private static Comparison alone(Model m) {
        Map<String, Double> retention = new LinkedHashMap<>();
        m.metrics().keySet().forEach(k -> retention.put(k, Double.NaN));
        return new Comparison(m, Double.NaN, Double.NaN, Double.NaN, retention);
    }
}
