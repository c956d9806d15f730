package dev.distill.examples.report;

import dev.distill.examples.report.RunSummary.Model;
import dev.distill.examples.report.RunSummary.Role;
import java.util.Locale;
import java.util.Random;

/** A realistic-looking metrics log and summary, written as text the way the trainer would. */
final class SyntheticRun {

    private SyntheticRun() {}

    /** Writes a demo run (metrics.jsonl, summary.json, report.html, main-chart.png) to {@code args[0]}. */
    public static void main(String[] args) throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve(RunMetrics.FILE), metricsJsonl(3000));
        System.out.println(ReportWriter.write(dir, summary()));
    }

    /** {@code steps / 10} training lines (three decaying noisy terms) and an evaluation every 250 steps. */
    static String metricsJsonl(int steps) {
        Random r = new Random(7);
        StringBuilder b = new StringBuilder();
        for (int step = 10; step <= steps; step += 10) {
            double hidden = (0.04 + 2.2 * Math.exp(-step / 350.0)) * (1 + 0.18 * r.nextGaussian());
            double attention = (0.006 + 0.35 * Math.exp(-step / 220.0)) * (1 + 0.25 * r.nextGaussian());
            double cosine = (0.09 + 0.45 * Math.exp(-step / 900.0)) * (1 + 0.08 * r.nextGaussian());
            double lr = 1e-4 * Math.min(1, step / 300.0) * (step <= 300 ? 1 : (steps - step) / (double) (steps - 300));
            b.append(String.format(Locale.ROOT,
                    "{\"type\":\"train\",\"step\":%d,\"time_s\":%.2f,\"loss\":%.6f,\"terms\":{\"hidden_mse\":%.6f,"
                            + "\"attention_mse\":%.6f,\"pooled_cosine\":%.6f},\"lr\":%.3e,\"grad_norm\":%.4f,"
                            + "\"tokens_per_s\":%.1f,\"epoch\":0}%n",
                    step, step * 0.29, hidden + attention + cosine, hidden, attention, cosine, lr,
                    1.5 + 6 * Math.exp(-step / 500.0) + 0.4 * Math.abs(r.nextGaussian()),
                    810 + 25 * r.nextGaussian()));
            if (step % 250 == 0) {
                double progress = 1 - Math.exp(-step / 900.0);
                b.append(String.format(Locale.ROOT,
                        "{\"step\":%d,\"eval\":{\"sts_mean\":%.2f,\"sts_pooled\":%.2f,\"examples\":1379}}%n",
                        step, 40 + 29 * progress + r.nextGaussian() * 0.6, 48 + 28.5 * progress + r.nextGaussian() * 0.6));
            }
        }
        return b.toString();
    }

    static RunSummary summary() {
        return RunSummary.builder("bge-small-en-v1.5 \u2192 4-layer student on WordNet glosses")
                .command("./distill distill --teacher bge-small-en-v1.5 --student-layers 4 --steps 3000"
                        + " --loss hidden_mse+attention_mse+pooled_cosine --run runs/bge-l4")
                .model(Model.builder("bge-small-en-v1.5", Role.TEACHER).parameters(33_360_000)
                        .sizeBytes(133_466_000).latencyMs(48.2).sentencesPerSecond(664)
                        .metric("sts_mean", 72.4).metric("sts_pooled", 79.8).build())
                .model(Model.builder("student-L4-H384", Role.STUDENT).parameters(18_970_000)
                        .sizeBytes(75_900_000).latencyMs(19.6).sentencesPerSecond(1633)
                        .metric("sts_mean", 68.9).metric("sts_pooled", 76.1).build())
                .model(Model.builder("all-MiniLM-L6-v2", Role.REFERENCE).parameters(22_710_000)
                        .sizeBytes(90_900_000).latencyMs(27.0).sentencesPerSecond(1185)
                        .metric("sts_mean", 70.1).metric("sts_pooled", 78.2).build())
                .notes("CPU run, batch 32, max length 64. Student initialised from teacher layers 0, 4, 8, 11.\n\n"
                        + "Attention MSE is on pre-softmax scores <with padding masked> & weighted 0.5.")
                .config("steps", 3000).config("batch_size", 32).config("learning_rate", "1e-4 (warmup 300, linear decay)")
                .config("layer_mapping", "0->0, 1->4, 2->8, 3->11").config("seed", 42)
                .build();
    }
}
