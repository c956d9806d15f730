package dev.distill.examples.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluators;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.StepContext;
import dev.distill.core.optim.AdamW;
import dev.distill.core.optim.LearningRateSchedule;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.losses.AttentionLoss;
import dev.distill.losses.HardLabelLoss;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.LogitsLayout;
import dev.distill.losses.SoftTargetLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on real text, the setting distillation is for: a teacher fine-tuned on labelled
 * data, and a smaller student whose owner has plenty of in-domain text but few labels.
 *
 * <ul>
 *   <li>Teacher: 2 layers × 64, trained here on the 1,194 labelled training posts of the
 *       three-newsgroups set (motorcycles, baseball, hockey).
 *   <li>Distilled student: 1 layer × 32 (half the depth and width), trained on the same 1,194
 *       posts <b>without their labels</b>, from the teacher alone: soft targets (KL at T = 2),
 *       hidden states (embedding output and student layer 1 against teacher layer 2 through the
 *       uniform layer mapping, via a learned 32 → 64 projection) and attention scores.
 *   <li>Control: the same student, the same steps and settings, trained on hard labels only,
 *       i.e. on the labelled tenth of the posts (every 10th, 119 posts) that its owner has.
 * </ul>
 *
 * Both are scored on the 1,795 test posts. The distilled student must reach {@link #FRACTION} of
 * the teacher's accuracy; the control must not.
 */
class DistillNewsgroupsTest {

    static final int MAX_LEN = 128;
    static final int BATCH = 32;
    static final int TEACHER_STEPS = 200;
    static final int STUDENT_STEPS = 100;
    static final float STUDENT_LR = 3e-3f;
    static final double HIDDEN_W = 0.1;
    static final double ATTN_W = 0.01;
    /** The distilled student must reach this fraction of the teacher's test accuracy; the control must not. */
    static final double FRACTION = 0.75;

    @TempDir
    Path tmp;

    static EncoderConfig.Builder encoder(int vocab) {
        return EncoderConfig.builder().setVocabSize(vocab).optMaxPositions(MAX_LEN).optDropout(0.1f);
    }

    @Test
    void distilledStudentReachesTheTeachersAccuracyWhereTheControlDoesNot() {
        OneThread.use();
        long t0 = System.nanoTime();
        Newsgroups ng = new Newsgroups(MAX_LEN);
        try (NDManager root = NDManager.newBaseManager()) {
            EncoderConfig tc = encoder(ng.vocabSize).setNumLayers(2).setHiddenSize(64).setNumHeads(4)
                    .setIntermediateSize(128).build();
            Encoder teacherModel = Students.fromConfig(tc, Pooling.CLS,
                    new ClassificationHead(tc, Newsgroups.GROUPS, false), root.newSubManager(), 1);
            trainSupervised(teacherModel, new Newsgroups.Batches(ng.train, BATCH, 3), TEACHER_STEPS, 2e-3f);
            double teacherAcc = accuracy(new EncoderStudent(teacherModel), ng);
            EncoderTeacher teacher = new EncoderTeacher(teacherModel);
            long t1 = System.nanoTime();

            EncoderConfig sc = encoder(ng.vocabSize).setNumLayers(1).setHiddenSize(32).setNumHeads(4)
                    .setIntermediateSize(64).build();
            DistillationLoss kd = WeightedSumLoss.builder()
                    .add("soft", 1, SoftTargetLoss.kl(LogitsLayout.CLASSES, 2.0))
                    .add("hidden", HIDDEN_W, HiddenStateLoss.builder().optName("hidden")
                            .optSource(HiddenStateLoss.Source.EMBEDDINGS_AND_LAYERS).optMapping(LayerMapping.uniform()).build())
                    .add("attention", ATTN_W, AttentionLoss.builder().optMapping(LayerMapping.uniform()).build())
                    .build();
            EncoderStudent distilled = student(sc, root);
            TrainingResult r = new DistillationTrainer(teacher, distilled, kd, config().build())
                    .fit(new Newsgroups.Batches(ng.train, BATCH, 4, false), tmp.resolve("kd"));
            double distilledAcc = accuracy(distilled, ng);
            long t2 = System.nanoTime();

            EncoderStudent control = student(sc, root);
            List<Newsgroups.Example> labelled = new ArrayList<>();
            for (int i = 0; i < ng.train.size(); i += 10) {
                labelled.add(ng.train.get(i));
            }
            new DistillationTrainer(teacher, control, new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION),
                    config().build()).fit(new Newsgroups.Batches(labelled, BATCH, 4), tmp.resolve("control"));
            double controlAcc = accuracy(control, ng);
            long t3 = System.nanoTime();

            System.out.printf(Locale.ROOT, "newsgroups (train %d, test %d posts, vocab %d, %d tokens max)%n",
                    ng.train.size(), ng.test.size(), ng.vocabSize, MAX_LEN);
            System.out.printf(Locale.ROOT, "teacher  %s: test accuracy %.4f (%d steps, %.1f s)%n", tc,
                    teacherAcc, TEACHER_STEPS, (t1 - t0) / 1e9);
            System.out.printf(Locale.ROOT, "distilled %s: %.4f = %.1f%% of the teacher (%d steps, %.1f s)%n", sc,
                    distilledAcc, 100 * distilledAcc / teacherAcc, r.step(), (t2 - t1) / 1e9);
            System.out.printf(Locale.ROOT, "control (hard labels of %d posts): %.4f = %.1f%% of the teacher (%.1f s)%n",
                    labelled.size(), controlAcc, 100 * controlAcc / teacherAcc, (t3 - t2) / 1e9);
            assertTrue(teacherAcc > 0.7, "the teacher should learn the task: " + teacherAcc);
            assertTrue(distilledAcc >= FRACTION * teacherAcc, "distilled " + distilledAcc + " < " + FRACTION
                    + " x teacher " + teacherAcc);
            assertTrue(controlAcc < FRACTION * teacherAcc, "control " + controlAcc + " reached " + FRACTION
                    + " x teacher " + teacherAcc);
        }
    }

    static TrainerConfig.Builder config() {
        return TrainerConfig.builder().setSteps(STUDENT_STEPS).optLearningRate(STUDENT_LR).optWarmupFraction(0.1)
                .optLogInterval(20).optSeed(11).optProgress(TrainerConfig.Progress.LINES);
    }

    static EncoderStudent student(EncoderConfig sc, NDManager root) {
        return new EncoderStudent(Students.fromConfig(sc, Pooling.CLS,
                new ClassificationHead(sc, Newsgroups.GROUPS, false), root.newSubManager(), 2));
    }

    static double accuracy(EncoderStudent model, Newsgroups ng) {
        return Evaluators.accuracy(Newsgroups.evalData(ng.test, 128)).evaluate(model).primaryValue();
    }

    static float[] bgeEmbeddings;

    /**
     * Gives the teacher bge-small-en-v1.5's pretrained word embeddings: the rows of the compact
     * vocabulary, mapped from 384 to the teacher's width by a fixed Gaussian random projection
     * (Johnson-Lindenstrauss: inner products are preserved in expectation), times {@code scale}.
     */
    static void pretrainedEmbeddings(Encoder model, Newsgroups ng, NDManager manager, float scale) {
        try {
            if (bgeEmbeddings == null) {
                try (java.io.InputStream in = DistillNewsgroupsTest.class.getClassLoader()
                        .getResourceAsStream("bge-small-en-v1.5.onnx")) {
                    bgeEmbeddings = dev.distill.models.io.onnx.OnnxBertImporter.load(in, "bge-small-en-v1.5.onnx")
                            .tensor("embeddings.word_embeddings.weight").toFloats();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        int d = 384;
        int h = model.config().hiddenSize();
        java.util.Random r = new java.util.Random(17);
        float[] proj = new float[d * h];
        for (int i = 0; i < proj.length; i++) {
            proj[i] = (float) (r.nextGaussian() / Math.sqrt(h));
        }
        float[] out = new float[ng.vocabSize * h];
        for (int v = 0; v < ng.vocabSize; v++) {
            int row = (int) ng.bgeIds[v] * d;
            for (int k = 0; k < d; k++) {
                float x = bgeEmbeddings[row + k] * scale;
                for (int j = 0; j < h; j++) {
                    out[v * h + j] += x * proj[k * h + j];
                }
            }
        }
        model.loadState(manager, java.util.Map.of("embeddings.word_embeddings.weight",
                dev.distill.core.io.TensorData.ofFloats(new long[] {ng.vocabSize, h}, out)), false);
    }

    /** Plain supervised fine-tuning (cross-entropy on the labels) of the teacher. */
    static void trainSupervised(Encoder model, Newsgroups.Batches data, int steps, float lr) {
        model.setTrainable(true);
        HardLabelLoss ce = new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION);
        LearningRateSchedule schedule = LearningRateSchedule.linearWarmupLinearDecay(lr, steps / 10, steps);
        Engine engine = Engine.getInstance();
        NDManager manager = model.wordEmbeddings().getArray().getManager();
        engine.setRandomSeed(1);
        try (AdamW opt = AdamW.builder().buildFromParameters(model.namedParameters())) {
            for (int t = 0; t < steps; t++) {
                try (NDManager m = manager.newSubManager()) {
                    TokenBatch b = data.next(m);
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        var out = model.forward(b, true);
                        NDArray loss = ce.compute(new StepContext(out, out, b, t, m)).total();
                        gc.backward(loss);
                    }
                    opt.clipGradientNorm(m, 1f);
                    opt.step(schedule.at(t));
                    opt.zeroGradients();
                }
            }
        }
    }
}
