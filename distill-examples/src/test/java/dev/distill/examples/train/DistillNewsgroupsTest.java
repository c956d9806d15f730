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
 * Both are scored on the 1,795 test posts (this test reads the files itself and keeps the three
 * with only headers, docs/data-sources.md). What the three
 * assertions prove, together:
 *
 * <ol>
 *   <li>the teacher learned the task: at least {@link #TEACHER_BAR}, twice the chance level of
 *       three balanced topics (1/3). This is a precondition, not a target: without it, "a fraction
 *       of the teacher" would mean nothing (measured: 0.786, docs/trainer.md);
 *   <li>distillation transfers it: the student trained on the teacher's outputs alone reaches
 *       {@link #FRACTION} of the teacher's accuracy (measured: 82%);
 *   <li>the transfer is the teacher's doing, not the student's or the schedule's: the same student
 *       with the same steps on the labels its owner has (a tenth) stays below that fraction
 *       (measured: 46%).
 * </ol>
 *
 * A distillation loss that stops passing the teacher's signal (wrong mask, detached student,
 * temperature not applied to both sides...) fails (2); a teacher that stops training fails (1).
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
    /** Twice chance (1/3 for three balanced topics): the teacher must have learned the task. */
    static final double TEACHER_BAR = 2.0 / 3;

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
            assertTrue(teacherAcc >= TEACHER_BAR, "the teacher should learn the task (twice chance, " + TEACHER_BAR
                    + "): " + teacherAcc);
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
