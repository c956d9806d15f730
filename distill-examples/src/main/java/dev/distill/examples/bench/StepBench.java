package dev.distill.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.optim.AdamW;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.train.EncoderStudent;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Times the distillation step of {@link dev.distill.core.train.DistillationTrainer} phase by
 * phase. The step is the trainer's (same teacher and student wrappers, same loss, AdamW with
 * global-norm clipping, one sub-manager per step); the only addition is a {@link Sync} after
 * each phase so that each timer covers its own work on a GPU too.
 *
 * <pre>
 * data       batch of random ids created on the device
 * teacher    teacher forward, no GradientCollector open
 * student    student forward inside the GradientCollector (dropout on)
 * loss       the loss's forward
 * backward   backward of the loss through the student (and the loss's projections)
 * optimizer  global-norm clip (1.0), AdamW step, zero gradients
 * </pre>
 *
 * Reported: the median of each phase over the steps after warm-up, the median step, tokens/s
 * (B·T over the median step), the median per-step share of each phase, and the step's
 * analytic FLOPs ({@link Flops}) over the median step against a large matmul's FLOP/s, the
 * matmul timed once after every step so that both see the same load on a shared machine.
 */
final class StepBench {

    static final String[] PHASES = {"data", "teacher_forward", "student_forward", "loss", "backward", "optimizer"};

    private StepBench() {}

    static JsonObject run(BenchModels models, LossSpec losses, int batch, int seq, int steps, int warmup, long seed,
            MatmulPeak matmul, PrintStream progress) {
        int total = warmup + steps;
        double[][] phase = new double[PHASES.length][steps];
        double[] stepSeconds = new double[steps];
        double[] matmulSeconds = new double[steps];
        try (NDManager owner = models.manager().newSubManager()) {
            Engine engine = Engine.getInstance();
            engine.setRandomSeed((int) seed);
            Encoder studentEncoder = models.newStudent(owner, seed);
            EncoderStudent student = new EncoderStudent(studentEncoder);
            DistillationLoss loss = losses.build(models.studentConfig().numHeads());
            loss.initialize(owner, models.teacher().dims(), student.dims());
            Map<String, NDArray> trained = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : student.namedParameters().entrySet()) {
                if (e.getValue().getArray().hasGradient()) {
                    trained.put(e.getKey(), e.getValue().getArray());
                }
            }
            for (Parameter p : loss.trainableParameters()) {
                NDArray a = p.getArray();
                if (!a.hasGradient()) {
                    a.setRequiresGradient(true);
                }
                trained.put("loss." + p.getName(), a);
            }
            NDArray probe = student.namedParameters().values().iterator().next().getArray();
            RandomTokens data = new RandomTokens(batch, seq, models.teacherConfig().vocabSize(),
                    models.teacherConfig().padTokenId(), seed, 1000);
            try (AdamW optimizer = AdamW.builder().optWeightDecay(0.01f).build(trained)) {
                for (int t = 0; t < total; t++) {
                    long[] stamps = new long[PHASES.length + 1];
                    try (NDManager step = owner.newSubManager()) {
                        stamps[0] = System.nanoTime();
                        TokenBatch b = data.next(step);
                        Sync.on(b.inputIds());
                        stamps[1] = System.nanoTime();
                        ModelOutputs teacherOut = models.teacher().forward(b);
                        Sync.on(teacherOut.lastHiddenState());
                        stamps[2] = System.nanoTime();
                        try (GradientCollector collector = engine.newGradientCollector()) {
                            ModelOutputs studentOut = student.forward(b, true);
                            Sync.on(studentOut.lastHiddenState());
                            stamps[3] = System.nanoTime();
                            LossOutput out = loss.compute(new StepContext(teacherOut, studentOut, b, t, step));
                            Sync.on(out.total());
                            stamps[4] = System.nanoTime();
                            collector.backward(out.total());
                            Sync.onGradient(probe, step);
                            stamps[5] = System.nanoTime();
                        }
                        NDArray norm = optimizer.clipGradientNorm(step, 1f);
                        optimizer.step(1e-4f);
                        optimizer.zeroGradients();
                        Sync.on(norm); // queued behind the update: waits for it on a GPU
                        stamps[6] = System.nanoTime();
                    }
                    double s = (stamps[6] - stamps[0]) / 1e9;
                    if (progress != null) {
                        progress.printf(Locale.ROOT, "bench step %d/%d%s: %.3f s%n", t + 1, total,
                                t < warmup ? " (warm-up)" : "", s);
                    }
                    if (t >= warmup) {
                        int i = t - warmup;
                        for (int p = 0; p < PHASES.length; p++) {
                            phase[p][i] = (stamps[p + 1] - stamps[p]) / 1e9;
                        }
                        stepSeconds[i] = s;
                        matmulSeconds[i] = matmul.sample(); // under the load this step saw
                    }
                }
            }
        }
        double matmulFlopsPerSecond = matmul.flops() / Stats.median(matmulSeconds);
        JsonObject o = report(models, losses, batch, seq, steps, warmup, phase, stepSeconds, matmulFlopsPerSecond);
        o.addProperty("matmul_n", matmul.n());
        return o;
    }

    private static JsonObject report(BenchModels models, LossSpec losses, int batch, int seq, int steps, int warmup,
            double[][] phase, double[] stepSeconds, double matmulFlopsPerSecond) {
        double stepMedian = Stats.median(stepSeconds);
        JsonObject o = new JsonObject();
        o.addProperty("bench", "step");
        o.addProperty("device", models.device().toString());
        o.addProperty("teacher", models.teacherDescription());
        o.addProperty("student", models.studentDescription());
        o.addProperty("losses", losses.toString());
        o.addProperty("batch", batch);
        o.addProperty("seq", seq);
        o.addProperty("steps", steps);
        o.addProperty("warmup", warmup);
        o.addProperty("tokens_per_step", (long) batch * seq);
        o.addProperty("step_s", stepMedian);
        o.addProperty("step_s_min", Stats.min(stepSeconds));
        o.addProperty("step_s_max", Stats.max(stepSeconds));
        o.addProperty("tokens_per_s", batch * (double) seq / stepMedian);
        JsonObject seconds = new JsonObject();
        JsonObject shares = new JsonObject();
        double[] lossPlusOptimizer = new double[stepSeconds.length];
        double[] studentFb = new double[stepSeconds.length];
        for (int p = 0; p < PHASES.length; p++) {
            seconds.addProperty(PHASES[p], Stats.median(phase[p]));
            double[] share = new double[stepSeconds.length];
            for (int i = 0; i < share.length; i++) {
                share[i] = phase[p][i] / stepSeconds[i];
            }
            shares.addProperty(PHASES[p], Stats.median(share));
        }
        int loss = index("loss");
        int optimizer = index("optimizer");
        int studentForward = index("student_forward");
        int backward = index("backward");
        for (int i = 0; i < stepSeconds.length; i++) {
            lossPlusOptimizer[i] = (phase[loss][i] + phase[optimizer][i]) / stepSeconds[i];
            studentFb[i] = phase[studentForward][i] + phase[backward][i];
        }
        seconds.addProperty("student_forward_backward", Stats.median(studentFb));
        o.add("phase_s", seconds);
        o.add("phase_share", shares);
        o.addProperty("loss_plus_optimizer_share", Stats.median(lossPlusOptimizer));
        double teacherFlops = models.teacherForwardFlops(batch, seq);
        double studentFlops = models.studentForwardFlops(batch, seq);
        double stepFlops = Flops.distillationStep(teacherFlops, studentFlops);
        o.addProperty("teacher_forward_flops", teacherFlops);
        o.addProperty("student_forward_flops", studentFlops);
        o.addProperty("step_flops", stepFlops);
        o.addProperty("achieved_flops_per_s", stepFlops / stepMedian);
        o.addProperty("matmul_flops_per_s", matmulFlopsPerSecond);
        o.addProperty("efficiency", stepFlops / stepMedian / matmulFlopsPerSecond);
        return o;
    }

    private static int index(String name) {
        for (int i = 0; i < PHASES.length; i++) {
            if (PHASES[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException(name);
    }
}
