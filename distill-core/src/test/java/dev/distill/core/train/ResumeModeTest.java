package dev.distill.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.eval.Evaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainerConfig#resume()}, a finished run given to {@code fit} again, and the user's loss
 * version in the manifest. Tiny DJL models ({@link TinyModel}); each case checks what is on disk.
 */
class ResumeModeTest {

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

    private DistillationTrainer trainer(TrainerConfig config) {
        TinyModel teacher = new TinyModel(root.newSubManager(), DistillationTrainerTest.VOCAB, 8,
                DistillationTrainerTest.CLASSES, 0f, 1);
        TinyModel student = new TinyModel(root.newSubManager(), DistillationTrainerTest.VOCAB, 6,
                DistillationTrainerTest.CLASSES, 0f, 2);
        return new DistillationTrainer(TinyModel.frozen(teacher, "t"), student,
                new DistillationTrainerTest.ProjectedLoss(), config);
    }

    private static TrainerConfig.Builder config(long steps) {
        return DistillationTrainerTest.config(steps);
    }

    /** A run of {@code steps} stopped on request after {@code stopAt} updates (checkpointed there). */
    private void partialRun(Path run, TrainerConfig config, long stopAt) {
        DistillationTrainer t = trainer(config);
        t.addListener(new TrainingListener() {
            @Override
            public void onStepEnd(StepEnd e) {
                if (e.step() == stopAt) {
                    t.requestStop();
                }
            }
        });
        TrainingResult r = t.fit(DistillationTrainerTest.data(), run);
        assertEquals(stopAt, r.step());
        assertTrue(r.stopRequested());
    }

    @Test
    void neverRefusesADirectoryWithCheckpointsAndStartsInAnEmptyOne() {
        Path run = tmp.resolve("run");
        partialRun(run, config(6).build(), 3);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trainer(config(6).optResume(ResumeMode.NEVER).build()).fit(DistillationTrainerTest.data(), run));
        assertEquals("run directory " + run + " already holds a checkpoint (" + run.resolve("checkpoints/step-3")
                + ", step 3) and resume is 'never'; use an empty or new directory for a new run, or resume"
                + " 'if-compatible' to continue this one", e.getMessage());
        TrainingResult fresh = trainer(config(2).optResume(ResumeMode.NEVER).build())
                .fit(DistillationTrainerTest.data(), tmp.resolve("fresh"));
        assertEquals(2, fresh.step());
        assertNull(fresh.resumedFrom());
    }

    @Test
    void requiredRefusesADirectoryWithoutACheckpointAndResumesOneWithIt() {
        Path empty = tmp.resolve("empty");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trainer(config(4).optResume(ResumeMode.REQUIRED).build())
                        .fit(DistillationTrainerTest.data(), empty));
        assertTrue(e.getMessage().startsWith("run directory " + empty + " holds no readable checkpoint"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("and resume is 'required'; give the directory of the run to continue,"
                + " or resume 'if-compatible' to start a new run there"), e.getMessage());
        Path run = tmp.resolve("run");
        partialRun(run, config(6).build(), 3);
        TrainingResult r = trainer(config(6).optResume(ResumeMode.REQUIRED).build())
                .fit(DistillationTrainerTest.data(), run);
        assertEquals(6, r.step());
        assertEquals(run.resolve("checkpoints/step-3"), r.resumedFrom());
        assertFalse(r.alreadyFinished());
    }

    @Test
    void aFinishedRunSaysSoTrainsNothingAndRestoresItsFinalWeights() throws IOException {
        Path run = tmp.resolve("run");
        trainer(config(4).optLogInterval(1).build()).fit(DistillationTrainerTest.data(), run);
        String metricsBefore = Files.readString(run.resolve("metrics.jsonl"));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        DistillationTrainer again = trainer(config(4).optLogInterval(1).optProgress(TrainerConfig.Progress.LINES)
                .build());
        again.setProgressStream(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        TrainingResult r = again.fit(DistillationTrainerTest.data(), run);
        assertTrue(r.alreadyFinished());
        assertEquals(4, r.step());
        assertTrue(r.completed());
        String said = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(said.contains("run directory " + run + " holds a finished run (all 4 steps are done): nothing was"
                + " trained; the student holds the run's final weights from " + run.resolve("checkpoints/step-4")),
                said);
        assertEquals(metricsBefore, Files.readString(run.resolve("metrics.jsonl")), "nothing was logged");
        Checkpoint last = Checkpoint.read(run.resolve("checkpoints/step-4"));
        again.student().stateDict().forEach((name, t) ->
                assertArrayEquals(last.student().get(name).toFloats(), t.toFloats(), name));
    }

    @Test
    void aRunThatStoppedEarlyIsNotTrainedFurther() {
        Path run = tmp.resolve("run");
        TrainerConfig c = config(20).optEvalInterval(2).optEarlyStoppingPatience(2).build();
        DistillationTrainer first = trainer(c);
        first.setEvaluator(m -> Evaluation.of("constant", 1.0, Evaluation.Direction.HIGHER_IS_BETTER));
        TrainingResult stopped = first.fit(DistillationTrainerTest.data(), run);
        assertTrue(stopped.stoppedEarly());
        assertEquals(6, stopped.step(), "improves at 2, not at 4 and 6: patience 2 used up");
        DistillationTrainer second = trainer(c);
        second.setEvaluator(m -> Evaluation.of("constant", 1.0, Evaluation.Direction.HIGHER_IS_BETTER));
        TrainingResult r = second.fit(DistillationTrainerTest.data(), run);
        assertTrue(r.alreadyFinished());
        assertTrue(r.stoppedEarly());
        assertEquals(6, r.step(), "before this rule a resumed early-stopped run trained on to step 20");
    }

    @Test
    void anEditedLossVersionIsRefusedNotMixed() throws IOException {
        Path run = tmp.resolve("run");
        partialRun(run, config(6).optLossVersion("mse-v1").build(), 3);
        JsonObject manifest = JsonParser.parseString(Files.readString(
                run.resolve("checkpoints/step-3").resolve(Checkpoint.MANIFEST))).getAsJsonObject();
        assertEquals("mse-v1", manifest.getAsJsonObject("loss").get("version").getAsString());
        ResumeMismatchException e = assertThrows(ResumeMismatchException.class,
                () -> trainer(config(6).optLossVersion("mse-v2").build()).fit(DistillationTrainerTest.data(), run));
        assertEquals(1, e.differences().size(), e.getMessage());
        assertTrue(e.differences().get(0).startsWith("loss version: checkpoint 'mse-v1', now 'mse-v2'"),
                e.getMessage());
        ResumeMismatchException none = assertThrows(ResumeMismatchException.class,
                () -> trainer(config(6).build()).fit(DistillationTrainerTest.data(), run));
        assertTrue(none.differences().get(0).startsWith("loss version: checkpoint 'mse-v1', now (none)"),
                none.getMessage());
        TrainingResult same = trainer(config(6).optLossVersion("mse-v1").build())
                .fit(DistillationTrainerTest.data(), run);
        assertEquals(6, same.step());
    }

    @Test
    void parsesTheCommandLineSpelling() {
        assertEquals(ResumeMode.IF_COMPATIBLE, ResumeMode.parse("if-compatible"));
        assertEquals(ResumeMode.NEVER, ResumeMode.parse("NEVER"));
        assertEquals("if-compatible", TrainerConfig.builder().setSteps(1).build().resume().cliName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResumeMode.parse("always"));
        assertEquals("resume 'always' is unknown; use never, if-compatible or required", e.getMessage());
    }
}
