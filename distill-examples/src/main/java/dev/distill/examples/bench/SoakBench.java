package dev.distill.examples.bench;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.models.train.EncoderStudent;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
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
 * sizes beside them.
 *
 * <h2>The Java heap</h2>
 *
 * RSS counts a heap page only once it is first written. A JVM commits its heap up front but
 * touches the young generation gradually, so without care RSS climbs by the young generation's
 * size (hundreds of MB with default sizes) until the first collection, whatever the native side
 * does. Run the soak with {@code JAVA_OPTS="-Xms512m -Xmx512m -XX:+AlwaysPreTouch"}: the whole
 * heap is resident from the start, and a change of RSS is native memory. The line records
 * whether the heap was pre-touched ({@code heap_pretouched}).
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
        boolean pretouched = heapPretouched();
        if (!pretouched && progress != null) {
            progress.println("bench soak: the Java heap is not pre-touched, so RSS also grows as the heap is first"
                    + " used; for native memory alone run with JAVA_OPTS=\"-Xms512m -Xmx512m -XX:+AlwaysPreTouch\"");
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
        o.addProperty("rss_growth_kib", rssEnd - rssFrom);
        o.addProperty("rss_growth_percent", growth);
        // with a pre-touched heap, RSS minus the committed heap is the JVM's and PyTorch's native memory
        long nonHeapFrom = rssFrom - samples.get((long) from)[2];
        long nonHeapEnd = rssEnd - samples.get((long) steps)[2];
        o.addProperty("rss_minus_heap_kib_at_from", nonHeapFrom);
        o.addProperty("rss_minus_heap_kib_at_end", nonHeapEnd);
        o.addProperty("rss_minus_heap_growth_percent", 100.0 * (nonHeapEnd - nonHeapFrom) / nonHeapFrom);
        o.addProperty("limit_percent", LIMIT_PERCENT);
        o.addProperty("within_limit", growth <= LIMIT_PERCENT);
        o.addProperty("heap_pretouched", pretouched);
        o.addProperty("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
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

    /** Whether the JVM runs with -XX:+AlwaysPreTouch and an initial heap equal to its maximum. */
    static boolean heapPretouched() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        Runtime rt = Runtime.getRuntime();
        return args.contains("-XX:+AlwaysPreTouch") && rt.totalMemory() == rt.maxMemory();
    }

    /** {RSS, heap used, heap committed} in KiB. */
    private static long[] sample() {
        Runtime rt = Runtime.getRuntime();
        return new long[] {Rss.kib(), (rt.totalMemory() - rt.freeMemory()) / 1024, rt.totalMemory() / 1024};
    }
}
