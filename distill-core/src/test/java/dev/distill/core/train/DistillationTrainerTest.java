package dev.distill.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.ModelDims;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillationTrainerTest {

    static final int VOCAB = 40;
    static final int CLASSES = 3;

    NDManager root;
    @TempDir
    Path tmp;

    @BeforeAll
    static void oneThread() {
        OneThread.use();
    }

    @BeforeEach
    void setUp() {
        root = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        root.close();
    }

    /**
     * MSE between the projected student pooled embedding and the teacher's, plus KL between
     * the logits' softmaxes; the projection W (H_t, H_s) is this loss's trainable parameter.
     */
    static final class ProjectedLoss implements DistillationLoss {
        Parameter w;
        int nanAtStep = -1;

        @Override
        public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
            w = Parameter.builder().setName("proj.weight").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(teacher.hiddenSize(), student.hiddenSize()))
                    .optInitializer(new NormalInitializer(0.3f)).build();
            w.initialize(manager, DataType.FLOAT32);
        }

        @Override
        public List<Parameter> trainableParameters() {
            return List.of(w);
        }

        @Override
        public LossOutput compute(StepContext ctx) {
            NDArray projected = Linear.linear(ctx.student().pooled(), w.getArray()).singletonOrThrow();
            NDArray mse = projected.sub(ctx.teacher().pooled()).square().mean();
            NDArray pt = ctx.teacher().logits().softmax(-1);
            NDArray kl = pt.mul(pt.log().sub(ctx.student().logits().logSoftmax(-1))).sum(new int[] {1}).mean();
            if (ctx.step() == nanAtStep) {
                kl = kl.mul(Float.NaN);
            }
            Map<String, NDArray> terms = new LinkedHashMap<>();
            terms.put("pooled_mse", mse);
            terms.put("logits_kl", kl);
            return new LossOutput(mse.add(kl), terms);
        }
    }

    TinyModel teacherModel() {
        return new TinyModel(root.newSubManager(), VOCAB, 8, CLASSES, 0f, 1);
    }

    TinyModel student(float dropout) {
        return new TinyModel(root.newSubManager(), VOCAB, 6, CLASSES, dropout, 2);
    }

    static SyntheticBatches data() {
        return new SyntheticBatches(64, VOCAB, 9, 8, CLASSES, 7);
    }

    static TrainerConfig.Builder config(long steps) {
        return TrainerConfig.builder().setSteps(steps).optLearningRate(0.05f).optWarmupFraction(0.1)
                .optProgress(TrainerConfig.Progress.OFF).optSeed(5);
    }

    static List<JsonObject> metrics(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).collect(Collectors.toList());
    }

    /** The seed-003 pattern: a user loss by subclassing, evaluation during training, a listener. */
    @Test
    void subclassWithUserLossListenerAndEvaluation() throws IOException {
        TinyModel t = teacherModel();
        FrozenTeacher teacher = TinyModel.frozen(t, "teacher-1");
        TinyModel student = new TinyModel(root.newSubManager(), VOCAB, 8, CLASSES, 0f, 2);
        // The loss of the first batch, computed here on the host from both models' outputs.
        double expectedFirst;
        float[] teacherBefore = t.p("layer.weight").toFloatArray();
        try (NDManager m = root.newSubManager()) {
            TokenBatch b = data().next(m);
            float[] tp = teacher.forward(b).pooled().toFloatArray();
            float[] sp = student.forward(b, false).pooled().toFloatArray();
            double sum = 0;
            for (int i = 0; i < tp.length; i++) {
                sum += (sp[i] - tp[i]) * (double) (sp[i] - tp[i]);
            }
            expectedFirst = sum / tp.length;
        }
        List<String> events = new ArrayList<>();
        List<TrainingListener.StepReport> reports = new ArrayList<>();
        DistillationTrainer trainer = new DistillationTrainer(teacher, student, null,
                config(12).optLogInterval(1).optEvalInterval(4).optCheckpointInterval(6).build()) {
            @Override
            protected LossOutput computeLoss(StepContext ctx) {
                NDArray mse = ctx.student().pooled().sub(ctx.teacher().pooled()).square().mean();
                return LossOutput.of("pooled_mse", mse);
            }

            @Override
            protected Evaluation evaluate(EvaluationContext ctx) {
                events.add("evaluate@" + ctx.step());
                return Evaluation.of("neg_step", -ctx.step(), Evaluation.Direction.LOWER_IS_BETTER);
            }
        };
        trainer.addListener(new TrainingListener() {
            @Override
            public void onFitStart(FitStart e) {
                events.add("start@" + e.startStep());
            }

            @Override
            public void onStepEnd(StepEnd e) {
                events.add("step@" + e.step());
            }

            @Override
            public void onLog(StepReport r) {
                reports.add(r);
            }

            @Override
            public void onEvaluation(EvaluationEvent e) {
                events.add("eval@" + e.step() + (e.improved() ? "+" : ""));
            }

            @Override
            public void onCheckpoint(CheckpointEvent e) {
                events.add("ckpt@" + e.step());
            }

            @Override
            public void onFitEnd(TrainingResult r) {
                events.add("end@" + r.step());
            }
        });
        TrainingResult result = trainer.fit(data(), tmp.resolve("run"));

        assertTrue(result.completed());
        assertEquals(12, reports.size());
        assertEquals(expectedFirst, reports.get(0).loss(), 1e-6 * Math.max(1, expectedFirst));
        assertEquals(reports.get(0).loss(), reports.get(0).terms().get("pooled_mse"), 0);
        assertTrue(reports.get(11).loss() < reports.get(0).loss() * 0.85,
                "the loss should fall: " + reports.get(0).loss() + " -> " + reports.get(11).loss());
        assertEquals(List.of("start@0", "step@1", "step@2", "step@3", "step@4", "evaluate@4", "eval@4+", "ckpt@4",
                "step@5", "step@6", "ckpt@6", "step@7", "step@8", "evaluate@8", "eval@8+", "ckpt@8", "step@9",
                "step@10", "step@11", "step@12", "evaluate@12", "eval@12+", "ckpt@12", "end@12"), events);
        // The teacher is untouched; only the student moved.
        assertArrayEquals(teacherBefore, t.p("layer.weight").toFloatArray());
        assertFalse(t.p("layer.weight").hasGradient());
        // Learning rate: 10% warm-up of 12 steps = 2 steps, then linear decay (HF schedule).
        assertEquals(0f, reports.get(0).learningRate());
        assertEquals(0.025f, reports.get(1).learningRate(), 1e-7);
        assertEquals(0.05f, reports.get(2).learningRate(), 1e-7);
        assertEquals(0.05f * 9 / 10, reports.get(3).learningRate(), 1e-7);

        List<JsonObject> lines = metrics(tmp.resolve("run"));
        JsonObject first = lines.get(0);
        assertEquals("train", first.get("type").getAsString());
        assertEquals(1, first.get("step").getAsLong());
        for (String key : new String[] {"loss", "lr", "grad_norm", "tokens_per_s", "step_time_s"}) {
            assertTrue(first.has(key), key + " missing from " + first);
        }
        assertEquals(expectedFirst, first.getAsJsonObject("terms").get("pooled_mse").getAsDouble(), 1e-6);
        assertEquals(3, lines.stream().filter(l -> l.get("type").getAsString().equals("eval")).count());
    }

    @Test
    void trainsStudentAndProjectionAndWritesCompleteCheckpoints() throws IOException {
        TinyModel t = teacherModel();
        TinyModel s = student(0.1f);
        ProjectedLoss loss = new ProjectedLoss();
        Map<String, float[]> before = s.weights();
        Path run = tmp.resolve("run");
        TrainingResult r = new DistillationTrainer(TinyModel.frozen(t, "teacher-1"), s, loss,
                config(6).optCheckpointInterval(3).build()).fit(data(), run);
        assertEquals(6, r.step());
        Path ck = run.resolve("checkpoints/step-6");
        assertEquals(ck, r.lastCheckpoint());
        for (String f : new String[] {Checkpoint.STUDENT, Checkpoint.PROJECTIONS, Checkpoint.OPTIMIZER,
                Checkpoint.STATE, Checkpoint.MANIFEST}) {
            assertTrue(Files.isRegularFile(ck.resolve(f)), f + " missing");
        }
        // Read back with the safetensors reader: the saved weights are the trained ones.
        var student = SafeTensors.read(ck.resolve(Checkpoint.STUDENT)).tensors();
        assertArrayEquals(s.p("layer.weight").toFloatArray(), student.get("layer.weight").toFloats());
        assertFalse(java.util.Arrays.equals(before.get("layer.weight"), student.get("layer.weight").toFloats()));
        var proj = SafeTensors.read(ck.resolve(Checkpoint.PROJECTIONS)).tensors();
        assertEquals(List.of("proj.weight"), new ArrayList<>(proj.keySet()));
        assertArrayEquals(loss.w.getArray().toFloatArray(), proj.get("proj.weight").toFloats());
        var opt = SafeTensors.read(ck.resolve(Checkpoint.OPTIMIZER)).tensors();
        assertTrue(opt.containsKey("exp_avg.loss.proj.weight"), opt.keySet().toString());
        assertTrue(opt.containsKey("exp_avg_sq.layer.weight"));

        Checkpoint read = Checkpoint.read(ck);
        assertEquals(6, read.state().get("step").getAsLong());
        assertEquals(5, read.state().get("seed").getAsLong());
        JsonObject manifest = read.manifest();
        assertEquals("teacher-1", manifest.getAsJsonObject("teacher").get("fingerprint").getAsString());
        assertEquals(data().fingerprint(), manifest.getAsJsonObject("data").get("fingerprint").getAsString());
        assertEquals(s.description(), manifest.getAsJsonObject("student").get("description").getAsString());
        assertEquals(System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                manifest.getAsJsonObject("versions").get("java").getAsString());
        assertEquals("0.35.1", manifest.getAsJsonObject("versions").get("djl").getAsString());
        assertEquals("0.05", manifest.getAsJsonObject("config").get("learningRate").getAsString());
        // keepLast 2: both step-3 and step-6 remain.
        assertEquals(List.of(run.resolve("checkpoints/step-6"), run.resolve("checkpoints/step-3")), Checkpoint.list(run));
    }

    /** Straight N steps vs N/2, a stop, then fresh objects resuming: identical weights (dropout on). */
    @Test
    void resumeInTheSameJvmReproducesTheStraightRun() throws IOException {
        Path straight = tmp.resolve("straight");
        TinyModel s1 = student(0.2f);
        ProjectedLoss l1 = new ProjectedLoss();
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), s1, l1,
                config(10).optAccumulation(2).optLogInterval(3).build()).fit(data(), straight);

        Path split = tmp.resolve("split");
        TinyModel s2 = student(0.2f);
        DistillationTrainer first = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), s2,
                new ProjectedLoss(), config(10).optAccumulation(2).optLogInterval(3).build());
        first.addListener(new TrainingListener() {
            @Override
            public void onStepEnd(StepEnd e) {
                if (e.step() == 5) {
                    first.requestStop();
                }
            }
        });
        TrainingResult half = first.fit(data(), split);
        assertEquals(5, half.step());
        assertTrue(half.stopRequested());
        assertFalse(half.completed());

        TinyModel s3 = student(0.2f);
        ProjectedLoss l3 = new ProjectedLoss();
        TrainingResult rest = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), s3, l3,
                config(10).optAccumulation(2).optLogInterval(3).build()).fit(data(), split);
        assertEquals(split.resolve("checkpoints/step-5"), rest.resumedFrom());
        assertTrue(rest.completed());
        Map<String, float[]> a = s1.weights();
        Map<String, float[]> b = s3.weights();
        for (String k : a.keySet()) {
            assertEquals(0, maxAbsDiff(a.get(k), b.get(k)), 1e-6, k);
        }
        assertEquals(0, maxAbsDiff(l1.w.getArray().toFloatArray(), l3.w.getArray().toFloatArray()), 1e-6);
        // metrics.jsonl: each step logged once, in order, across the two sessions.
        List<Long> steps = metrics(split).stream().filter(l -> l.get("type").getAsString().equals("train"))
                .map(l -> l.get("step").getAsLong()).collect(Collectors.toList());
        assertEquals(List.of(3L, 5L, 6L, 9L, 10L), steps);
    }

    /**
     * Two micro-batches of 4 per update give the update of one batch of 8 (the losses are means
     * over examples): gradients accumulate across GradientCollectors and the loss is scaled by 1/2.
     */
    @Test
    void gradientAccumulationEqualsTheLargerBatch() {
        TinyModel big = student(0f);
        TinyModel small = student(0f);
        TrainerConfig.Builder c = config(4).optWarmupFraction(0).optLearningRate(0.01f);
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), big, new ProjectedLoss(), c.build())
                .fit(new SyntheticBatches(64, VOCAB, 9, 8, CLASSES, 7), tmp.resolve("big"));
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), small, new ProjectedLoss(),
                c.optAccumulation(2).build()).fit(new SyntheticBatches(64, VOCAB, 9, 4, CLASSES, 7), tmp.resolve("small"));
        Map<String, float[]> a = big.weights();
        Map<String, float[]> b = small.weights();
        for (String k : a.keySet()) {
            assertEquals(0, maxAbsDiff(a.get(k), b.get(k)), 2e-5, k);
        }
        // and the updates were not trivial
        assertTrue(maxAbsDiff(a.get("layer.weight"), student(0f).weights().get("layer.weight")) > 1e-3);
    }

    @Test
    void metricsPastTheResumedCheckpointAreDropped() throws IOException {
        Path run = tmp.resolve("run");
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f), new ProjectedLoss(),
                config(6).optLogInterval(1).optCheckpointInterval(4).build()).fit(data(), run);
        // Lose the newest checkpoint (as if the process died before writing it): resume from step 4.
        dev.distill.core.io.AtomicFiles.deleteTree(run.resolve("checkpoints/step-6"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"train\",\"st", java.nio.file.StandardOpenOption.APPEND);
        TrainingResult r = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f),
                new ProjectedLoss(), config(6).optLogInterval(1).optCheckpointInterval(4).build()).fit(data(), run);
        assertEquals(run.resolve("checkpoints/step-4"), r.resumedFrom());
        List<Long> steps = metrics(run).stream().map(l -> l.get("step").getAsLong()).collect(Collectors.toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps);
    }

    @Test
    void nonFiniteLossStopsNamingStepAndTermAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path run = tmp.resolve("run");
        ProjectedLoss loss = new ProjectedLoss();
        loss.nanAtStep = 6; // StepContext.step is 0-based: update 7
        TinyModel s = student(0f);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), s, loss,
                        config(12).optLogInterval(5).optCheckpointInterval(2).optKeepLast(5).build()).fit(data(), run));
        assertEquals(7, e.step());
        assertEquals("logits_kl", e.term());
        assertTrue(Double.isNaN(e.value()));
        assertTrue(e.getMessage().contains("step 7 of 12"), e.getMessage());
        assertTrue(e.getMessage().contains("loss term 'logits_kl' is NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("checkpoints" + java.io.File.separator + "step-6"), e.getMessage());
        // The NaN was computed at update 7 and noticed at the step-8 checkpoint: step-8 never exists.
        assertEquals(List.of(run.resolve("checkpoints/step-6"), run.resolve("checkpoints/step-4"),
                run.resolve("checkpoints/step-2")), Checkpoint.list(run));
        Checkpoint good = Checkpoint.read(run.resolve("checkpoints/step-6"));
        for (var t : good.student().values()) {
            for (float v : t.toFloats()) {
                assertTrue(Float.isFinite(v));
            }
        }
        // And the run resumes from it (with the bug fixed).
        TrainingResult r = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f),
                new ProjectedLoss(), config(12).optLogInterval(5).optCheckpointInterval(2).optKeepLast(5).build())
                .fit(data(), run);
        assertEquals(run.resolve("checkpoints/step-6"), r.resumedFrom());
        assertTrue(r.completed());
    }

    @Test
    void resumingWithAnotherConfigTeacherOrDataIsRefusedSayingWhatDiffers() {
        Path run = tmp.resolve("run");
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "teacher-A"), student(0f), new ProjectedLoss(),
                config(4).build()).fit(data(), run);

        ResumeMismatchException lr = assertThrows(ResumeMismatchException.class,
                () -> new DistillationTrainer(TinyModel.frozen(teacherModel(), "teacher-A"), student(0f),
                        new ProjectedLoss(), config(4).optLearningRate(0.01f).optSeed(6).build()).fit(data(), run));
        assertEquals(List.of("config learningRate: checkpoint 0.05, now 0.01", "config seed: checkpoint 5, now 6"),
                lr.differences());
        assertTrue(lr.getMessage().contains("config learningRate: checkpoint 0.05, now 0.01"), lr.getMessage());
        assertTrue(lr.getMessage().contains("start a new run in another directory"), lr.getMessage());

        ResumeMismatchException other = assertThrows(ResumeMismatchException.class,
                () -> new DistillationTrainer(TinyModel.frozen(teacherModel(), "teacher-B"), student(0f),
                        new ProjectedLoss(), config(4).build())
                        .fit(new SyntheticBatches(64, VOCAB, 9, 8, CLASSES, 8), run));
        assertEquals(List.of("teacher fingerprint: checkpoint teacher-A, now teacher-B",
                "data fingerprint: checkpoint synthetic:64:8:7, now synthetic:64:8:8"), other.differences());

        // Intervals, retention and display may change between sessions.
        TrainingResult ok = new DistillationTrainer(TinyModel.frozen(teacherModel(), "teacher-A"), student(0f),
                new ProjectedLoss(), config(4).optLogInterval(3).optKeepLast(1).build()).fit(data(), run);
        assertEquals(4, ok.step());
        assertEquals(run.resolve("checkpoints/step-4"), ok.resumedFrom());
    }

    @Test
    void keepsLastKAndTheBestAndStopsEarly() throws IOException {
        Path run = tmp.resolve("run");
        DistillationTrainer trainer = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f),
                new ProjectedLoss(), config(20).optEvalInterval(2).optCheckpointInterval(2).optKeepLast(2)
                        .optEarlyStoppingPatience(2).build());
        // A metric that peaks at step 4: -(step - 4)².
        trainer.setEvaluator(st -> Evaluation.of("score", -Math.pow(stepOf(run) - 4, 2),
                Evaluation.Direction.HIGHER_IS_BETTER));
        List<Long> evalSteps = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStepEnd(StepEnd e) {
                current = e.step();
            }

            @Override
            public void onEvaluation(EvaluationEvent e) {
                evalSteps.add(e.step());
            }
        });
        TrainingResult r = trainer.fit(data(), run);
        assertEquals(List.of(2L, 4L, 6L, 8L), evalSteps);
        assertTrue(r.stoppedEarly());
        assertEquals(8, r.step());
        assertEquals(4, r.bestStep());
        assertEquals(0.0, r.bestValue(), 0.0);
        assertEquals(run.resolve("checkpoints/step-4"), r.bestCheckpoint());
        assertEquals(List.of(run.resolve("checkpoints/step-8"), run.resolve("checkpoints/step-6"),
                run.resolve("checkpoints/step-4")), Checkpoint.list(run));
        JsonObject best = Checkpoint.read(run.resolve("checkpoints/step-8")).state().getAsJsonObject("best");
        assertEquals(4, best.get("step").getAsLong());
    }

    static long current;

    private static long stepOf(Path run) {
        return current;
    }

    @Test
    void progressGoesToStderrAsLinesWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DistillationTrainer trainer = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f),
                new ProjectedLoss(), config(4).optLogInterval(2).optProgress(TrainerConfig.Progress.LINES).build());
        trainer.setProgressStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        trainer.fit(data(), tmp.resolve("run"));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s)\\[#{12}-{12}\\] 2/4  loss \\d+\\.\\d{4}  [\\d,]+ tok/s  ETA \\d\\d:\\d\\d  lr .*"), out);
        assertTrue(out.contains("] 4/4  loss "), out);
        assertTrue(out.contains("checkpoint "), out);
    }

    @Test
    void fp16RequiresAFloat16Teacher() {
        TrainerConfig c = config(2).optFp16(true).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f), new ProjectedLoss(), c)
                        .fit(data(), tmp.resolve("run")));
        assertEquals("fp16 is set but the teacher computes in float32; create the teacher in float16 "
                + "(EncoderTeacher.of(encoder, DataType.FLOAT16)), or use optFp16(false)", e.getMessage());
    }

    @Test
    void missingLossIsExplained() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f), null, config(2).build())
                        .fit(data(), tmp.resolve("run")));
        assertTrue(e.getMessage().startsWith("no loss: pass a DistillationLoss"), e.getMessage());
    }

    /** Native memory does not grow with steps: managed arrays stay constant, RSS within a margin. */
    @Test
    void memoryStaysFlatOver600Steps() throws IOException {
        TinyModel s = student(0.1f);
        List<Integer> arrays = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        DistillationTrainer trainer = new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), s,
                new ProjectedLoss(), config(600).optLogInterval(25).optLearningRate(0.005f).optCheckpointInterval(300).build());
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStepEnd(StepEnd e) {
                if (e.step() % 100 == 0) {
                    arrays.add(root.getManagedArrays().size());
                    rss.add(rssKb());
                }
            }
        });
        trainer.fit(data(), tmp.resolve("run"));
        // Step 100 is past the warm-up of allocators; from then on nothing may accumulate.
        assertEquals(6, arrays.size());
        for (int i = 1; i < arrays.size(); i++) {
            assertTrue(arrays.get(i) <= arrays.get(0) + 2, "managed arrays grew: " + arrays);
        }
        if (rss.get(0) > 0) {
            long growthKb = rss.get(rss.size() - 1) - rss.get(0);
            assertTrue(growthKb < 64 * 1024, "RSS grew by " + growthKb + " kB over 500 steps: " + rss);
        }
    }

    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: only the array count is checked
        }
        return -1;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void checkpointListingRepairsInterruptedWrites() throws IOException {
        Path run = tmp.resolve("run");
        new DistillationTrainer(TinyModel.frozen(teacherModel(), "t"), student(0f), new ProjectedLoss(),
                config(2).build()).fit(data(), run);
        Path leftover = run.resolve("checkpoints/step-4.tmp-0123456789abcdef");
        Files.createDirectories(leftover);
        Files.writeString(leftover.resolve(Checkpoint.STUDENT), "partial");
        assertEquals(List.of(run.resolve("checkpoints/step-2")), Checkpoint.list(run));
        assertFalse(Files.exists(leftover));
        assertNotNull(Checkpoint.read(run.resolve("checkpoints/step-2")));
    }
}
