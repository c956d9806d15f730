package dev.distill.examples.bench;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.models.train.EncoderStudent;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Native memory soak: runs {@link DistillationTrainer#fit} itself (every per-step allocation,
 * the sub-manager per step, the metrics flushes, AdamW) for many steps and samples the
 * process's resident set size ({@link Rss}) from a listener. A leak of a few tensors per step
 * shows as RSS that keeps climbing after the first few hundred steps (the warm-up in which
 * the allocator's pools and the JIT settle).
 *
 * <p>Reported: RSS at step {@code from} and at the last step, the growth between them in
 * percent, and the samples every {@code every} steps, with the Java heap's used and committed
 * sizes beside them (part of RSS is the heap, which the collector grows and shrinks on its
 * own).
 */
final class SoakBench {

    /** The bound on RSS growth between the reference step and the last step. */
    static final double LIMIT_PERCENT = 5.0;

    private SoakBench() {}

    static JsonObject run(BenchModels models, LossSpec losses, int batch, int seq, int steps, int from, int every,
            long seed, Path runDir, PrintStream progress) {
        if (steps < 2 || from < 1 || from >= steps) {
            throw new IllegalArgumentException("--soak-from (" + from + ") must be in [1, --soak-steps) and "
                    + "--soak-steps (" + steps + ") at least 2; the issue's setting is --soak-from 500 --soak-steps 2000");
        }
        if (every < 1) {
            throw new IllegalArgumentException("--soak-every (" + every + ") must be positive");
        }
        Map<Long, long[]> samples = new TreeMap<>();
        long[] start = new long[1];
        try (NDManager owner = models.manager().newSubManager()) {
            EncoderStudent student = new EncoderStudent(models.newStudent(owner, seed));
            DistillationLoss loss = losses.build(models.studentConfig().numHeads());
            TrainerConfig config = TrainerConfig.builder()
                    .setSteps(steps)
                    .optLearningRate(1e-4f)
                    .optWarmupFraction(0.05)
                    .optLogInterval(50)
                    .optCheckpointInterval(0)
                    .optProgress(TrainerConfig.Progress.OFF)
                    .optSeed(seed)
                    .optDevices(models.device(), models.device())
                    .build();
            DistillationTrainer trainer = new DistillationTrainer(models.teacher(), student, loss, config);
            trainer.addListener(new TrainingListener() {
                @Override
                public void onFitStart(FitStart event) {
                    start[0] = System.nanoTime();
                    samples.put(0L, sample());
                }

                @Override
                public void onStepEnd(StepEnd e) {
                    if (e.step() % every == 0 || e.step() == from || e.step() == steps) {
                        long[] s = sample();
                        samples.put(e.step(), s);
                        if (progress != null) {
                            progress.printf(Locale.ROOT, "bench soak step %d/%d: RSS %,d KiB, heap used %,d KiB%n",
                                    e.step(), steps, s[0], s[1]);
                        }
                    }
                }
            });
            trainer.fit(new RandomTokens(batch, seq, models.teacherConfig().vocabSize(),
                    models.teacherConfig().padTokenId(), seed, 1000), runDir);
        }
        double seconds = (System.nanoTime() - start[0]) / 1e9;
        long rssFrom = samples.get((long) from)[0];
        long rssEnd = samples.get((long) steps)[0];
        double growth = 100.0 * (rssEnd - rssFrom) / rssFrom;

        JsonObject o = new JsonObject();
        o.addProperty("bench", "soak");
        o.addProperty("device", models.device().toString());
        o.addProperty("teacher", models.teacherDescription());
        o.addProperty("student", models.studentDescription());
        o.addProperty("losses", losses.toString());
        o.addProperty("batch", batch);
        o.addProperty("seq", seq);
        o.addProperty("steps", steps);
        o.addProperty("seconds", seconds);
        o.addProperty("from_step", from);
        o.addProperty("rss_kib_at_from", rssFrom);
        o.addProperty("rss_kib_at_end", rssEnd);
        o.addProperty("rss_growth_percent", growth);
        o.addProperty("limit_percent", LIMIT_PERCENT);
        o.addProperty("within_limit", growth <= LIMIT_PERCENT);
        JsonObject series = new JsonObject();
        for (Map.Entry<Long, long[]> e : samples.entrySet()) {
            JsonObject s = new JsonObject();
            s.addProperty("rss_kib", e.getValue()[0]);
            s.addProperty("heap_used_kib", e.getValue()[1]);
            s.addProperty("heap_committed_kib", e.getValue()[2]);
            series.add(Long.toString(e.getKey()), s);
        }
        o.add("samples", series);
        return o;
    }

    /** {RSS, heap used, heap committed} in KiB. */
    private static long[] sample() {
        Runtime rt = Runtime.getRuntime();
        return new long[] {Rss.kib(), (rt.totalMemory() - rt.freeMemory()) / 1024, rt.totalMemory() / 1024};
    }
}
