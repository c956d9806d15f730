package dev.distill.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.BatchSource;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.TrainableModel;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.losses.EmbeddingLosses;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.models.KnownModel;
import dev.distill.models.data.TextBatches;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's term next to the library losses in a trainer subclass (docs/examples/custom-loss.md):
 * passed to the constructor, the library losses' projections are trained and every term is
 * logged; a library loss with a projection that the subclass built itself is refused at the first
 * step instead of silently keeping W at its initial value. Small real encoders (a 2-layer teacher
 * of width 32, a 1-layer student of width 16) on the real bge tokenizer and real sentences.
 */
class LibraryLossesInSubclassTest {

    @TempDir
    Path tmp;

    private static final List<String> TEXTS = List.of("A cat sits on the mat.", "Bees make honey from nectar.",
            "The train to Paris leaves at noon.", "Rain is expected over the weekend.");

    /** The docs' pattern: library losses through the constructor, the user's term added to theirs. */
    static final class PlusPooledNorm extends DistillationTrainer {
        PlusPooledNorm(FrozenTeacher teacher, TrainableModel student, DistillationLoss library, TrainerConfig config) {
            super(teacher, student, library, config);
        }

        @Override
        protected LossOutput computeLoss(StepContext ctx) {
            NDArray s = ctx.student().pooled().norm(new int[] {1});
            NDArray t = ctx.teacher().pooled().norm(new int[] {1});
            return super.computeLoss(ctx).plus("norm_mse", 0.5, s.sub(t).square().mean());
        }
    }

    /** The mistake: a library loss with a projection, built and initialised by the subclass itself. */
    static final class OwnHiddenLoss extends DistillationTrainer {
        final HiddenStateLoss hidden = HiddenStateLoss.builder().optName("my_hidden").build();

        OwnHiddenLoss(FrozenTeacher teacher, EncoderStudent student, TrainerConfig config) {
            super(teacher, student, null, config);
            hidden.initialize(student.manager(), teacher.dims(), student.dims()); // creates W, 16 -> 32
        }

        @Override
        protected LossOutput computeLoss(StepContext ctx) {
            return hidden.compute(ctx);
        }
    }

    private static Encoder encoder(int layers, int width, NDManager m, long seed) {
        EncoderConfig c = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(width).setNumLayers(layers)
                .setNumHeads(2).setIntermediateSize(2 * width).build();
        return Students.fromConfig(c, Pooling.CLS, null, m, seed);
    }

    private static TextTokenizer tokenizer() throws Exception {
        try (InputStream in = LibraryLossesInSubclassTest.class.getClassLoader()
                .getResourceAsStream(KnownModel.BGE_SMALL_EN_V15.tokenizerResource())) {
            return TextTokenizer.load(in, "bge tokenizer", 16);
        }
    }

    @Test
    void libraryLossesPassedToTheConstructorTrainTheirProjectionsNextToTheUsersTerm() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); TextTokenizer tok = tokenizer()) {
            WeightedSumLoss library = EmbeddingLosses.mainJob(LayerMapping.uniform());
            EncoderTeacher teacher = new EncoderTeacher(encoder(2, 32, m, 1));
            TrainerConfig config = TrainerConfig.builder().setSteps(3).optLearningRate(1e-2f).optLogInterval(1).build();
            PlusPooledNorm trainer = new PlusPooledNorm(teacher, new EncoderStudent(encoder(1, 16, m, 2)), library,
                    config);
            BatchSource batches = TextBatches.of(TEXTS, tok, 2, 7);
            HiddenStateLoss hidden = (HiddenStateLoss) library.components().get(1).loss();
            assertEquals("hidden_mse", hidden.name());
            float[][] start = new float[1][];
            trainer.addListener(new TrainingListener() {
                @Override
                public void onFitStart(FitStart f) { // after the trainer initialised the loss, before step 1
                    start[0] = hidden.projection().parameters().get(0).getArray().toFloatArray();
                }
            });
            trainer.fit(batches, tmp.resolve("run"));
            float[] trained = hidden.projection().parameters().get(0).getArray().toFloatArray();
            assertEquals(16 * 32, trained.length);
            double moved = 0;
            for (int i = 0; i < trained.length; i++) {
                moved = Math.max(moved, Math.abs(trained[i] - start[0][i]));
            }
            assertTrue(moved > 1e-4, "the projection did not change: max |ΔW| = " + moved);
            String metrics = Files.readString(tmp.resolve("run").resolve("metrics.jsonl"));
            for (String term : List.of("\"norm_mse\"", "\"pooled_cosine\"", "\"hidden_mse\"", "\"attention_mse\"")) {
                assertTrue(metrics.contains(term), term + " missing from metrics.jsonl");
            }
        }
    }

    @Test
    void aLibraryLossWhoseProjectionIsNotTrainedIsRefused() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); TextTokenizer tok = tokenizer()) {
            EncoderTeacher teacher = new EncoderTeacher(encoder(2, 32, m, 1));
            OwnHiddenLoss trainer = new OwnHiddenLoss(teacher, new EncoderStudent(encoder(1, 16, m, 2)),
                    TrainerConfig.builder().setSteps(2).build());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.fit(TextBatches.of(TEXTS, tok, 2, 7), tmp.resolve("refused")));
            assertTrue(e.getMessage().contains("loss 'my_hidden' has trainable parameters [my_hidden.projection.weight]"
                    + " that this trainer does not optimise"), e.getMessage());
            assertTrue(e.getMessage().contains("DistillationTrainer constructor"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("refused").resolve("student")));
        }
    }
}
