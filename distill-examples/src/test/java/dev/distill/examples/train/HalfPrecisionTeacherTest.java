package dev.distill.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.data.WordNetText;
import dev.distill.core.train.Checkpoint;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.ResumeMismatchException;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.losses.AttentionLoss;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer with a float16 bge-small-en-v1.5 teacher on CPU, against the same run with the float32
 * teacher: same student initialisation (bge layers 5 and 11), data, seed and dropout masks, three
 * steps of the embeddings command's loss (pooled cosine, TinyBERT hidden and embedding MSE,
 * attention-score MSE). Teacher and student live in managers of their own on explicitly chosen
 * devices ({@code optDevices}); on this CPU-only machine both are the CPU.
 *
 * <p>Tolerance at step 1, derived from the values: both runs start from the same student, so the
 * losses differ only through the teacher's targets, t' = t + δt. For an MSE term over n elements,
 * L' − L = −(2/n)Σ(s − t)·δt + (1/n)Σδt², so |ΔL| ≤ 2·√L·r + r² with r = rms(δt) over the same
 * elements (Cauchy–Schwarz); for a sum over mapped layers the same holds with L the sum and r² the
 * sum of the per-layer mean squares. For the pooled cosine 1 − cos(s, t), |Δ| = |ŝ·(t̂' − t̂)| ≤
 * ‖t̂' − t̂‖ per example, averaged over the batch. The test computes δt itself, running both teachers
 * on the first batch outside the trainer, and adds the float32 rounding of the losses' reductions
 * (relative 1e-5, about ten times log₂(n)·2⁻²⁴ for n ≤ 10⁵). The bound holds whatever the size of
 * the error, so a float16 teacher whose outputs drift (a wrong cast, a lost LayerNorm epsilon) is
 * caught by its own numbers, not by a fixed tolerance.
 *
 * <p>Steps 2 and 3 also differ through slightly different student updates, which have no such
 * bound; they are held to the worst case of the analysis (2ε + ε² ≈ 2.6e-2 relative, with ε =
 * 26u = 1.3e-2, HalfPrecisionEncoderTest's bound for the last hidden state, u = 2⁻¹¹) and serve
 * only as a guard against a float16 run that goes off the rails.
 */
class HalfPrecisionTeacherTest {

    private static final float U = (float) Math.pow(2, -11);
    /** Worst-case relative difference for steps 2 and 3 (see the class comment). */
    private static final double TOLERANCE = 2 * 26 * U + Math.pow(26 * U, 2);
    /** float32 rounding of the loss reductions, relative. */
    private static final double ROUNDING = 1e-5;
    /** TinyBERT's uniform g(m) = m·N/M for M = 2 student layers and N = 12 teacher layers: outputs 6 and 12. */
    private static final int[] MAPPED = {6, 12};

    @TempDir
    Path tmp;

    private static List<TokenizedExample> glosses(TextPipeline pipeline, int n) {
        List<TokenizedExample> out = new ArrayList<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            for (int i = 0; out.size() < n && s.hasNext(); i++) {
                TextExample e = s.next();
                if (i % 20 == 0) {
                    out.add(pipeline.tokenize(e));
                }
            }
        }
        return out;
    }

    private static TrainerConfig.Builder config(boolean fp16) {
        return TrainerConfig.builder().setSteps(3).optLearningRate(1e-4f).optWarmupFraction(0).optLogInterval(1)
                .optSeed(11).optFp16(fp16).optDevices(Device.cpu(), Device.cpu())
                .optProgress(TrainerConfig.Progress.OFF);
    }

    private static DistillationTrainer trainer(FrozenTeacher teacher, Encoder student, TrainerConfig config,
            List<TrainingListener.StepReport> reports) {
        WeightedSumLoss loss = WeightedSumLoss.builder()
                .add("pooled_cosine", 1.0, HiddenStateLoss.pooledCosine())
                .add("hidden_mse", 0.1, HiddenStateLoss.tinyBertHidden())
                .add("embedding_mse", 0.1, HiddenStateLoss.tinyBertEmbedding())
                .add("attention_mse", 0.0002, AttentionLoss.tinyBert())
                .build();
        DistillationTrainer t = new DistillationTrainer(teacher, new EncoderStudent(student), loss, config);
        t.addListener(new TrainingListener() {
            @Override
            public void onLog(StepReport report) {
                reports.add(report);
            }
        });
        return t;
    }

    @Test
    void float16TeacherTrainsLikeTheFloat32One() throws Exception {
        try (LoadedModel bge = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 32);
                NDManager teacherManager = NDManager.newBaseManager(Device.cpu())) {
            List<TokenizedExample> texts = glosses(TextPipeline.unlabelled(bge.tokenizer()), 24);
            long pad = bge.encoder().config().padTokenId();
            EncoderTeacher t32 = new EncoderTeacher(bge.encoder());
            EncoderTeacher t16 = EncoderTeacher.of(bge.encoder(), DataType.FLOAT16, teacherManager);
            assertEquals(DataType.FLOAT16, t16.dataType());
            assertEquals(teacherManager, t16.encoder().wordEmbeddings().getArray().getManager());

            Map<String, Double> step1 = step1Bounds(t32, t16, texts, pad);
            List<TrainingListener.StepReport> r32 = new ArrayList<>();
            List<TrainingListener.StepReport> r16 = new ArrayList<>();
            try (NDManager sm32 = NDManager.newBaseManager(Device.cpu());
                    NDManager sm16 = NDManager.newBaseManager(Device.cpu())) {
                Encoder s32 = Students.fromTeacherLayers(bge.encoder(), new int[] {5, 11}, null, sm32, 1);
                Encoder s16 = s32.toType(DataType.FLOAT32, sm16); // the same initial weights
                trainer(t32, s32, config(false).build(), r32)
                        .fit(new ExampleBatchSource(texts, 8, LabelKind.NONE, null, pad, 3), tmp.resolve("fp32"));
                trainer(t16, s16, config(true).build(), r16)
                        .fit(new ExampleBatchSource(texts, 8, LabelKind.NONE, null, pad, 3), tmp.resolve("fp16"));

                assertEquals(3, r32.size());
                assertEquals(3, r16.size());
                StringBuilder seen = new StringBuilder();
                checkStep1(r32.get(0), r16.get(0), step1);
                for (int i = 1; i < 3; i++) {
                    TrainingListener.StepReport a = r32.get(i);
                    TrainingListener.StepReport b = r16.get(i);
                    assertTrue(Double.isFinite(b.loss()) && Double.isFinite(b.gradNorm()), b.toString());
                    check("step " + (i + 1) + " total", a.loss(), b.loss(), seen);
                    for (Map.Entry<String, Double> e : a.terms().entrySet()) {
                        check("step " + (i + 1) + " " + e.getKey(), e.getValue(), b.terms().get(e.getKey()), seen);
                    }
                }
                System.out.println("float16 vs float32 teacher, steps 2-3 relative loss differences: " + seen);

                Path checkpoint = tmp.resolve("fp16").resolve(Checkpoint.CHECKPOINTS)
                        .resolve(Checkpoint.directoryName(3));
                JsonObject manifest = JsonParser.parseString(Files.readString(checkpoint.resolve(Checkpoint.MANIFEST)))
                        .getAsJsonObject();
                assertEquals("float16", manifest.getAsJsonObject("teacher").get("dataType").getAsString());
                assertEquals(t16.fingerprint(), manifest.getAsJsonObject("teacher").get("fingerprint").getAsString());

                // resuming the float32 run with the float16 teacher is refused, saying why
                ResumeMismatchException e = assertThrows(ResumeMismatchException.class, () -> trainer(t16, s16,
                        config(false).build(), new ArrayList<>()).fit(new ExampleBatchSource(texts, 8, LabelKind.NONE,
                                null, pad, 3), tmp.resolve("fp32")));
                assertTrue(e.differences().contains("teacher data type: checkpoint float32, now float16"),
                        e.differences().toString());
            }
        }
    }

    /**
     * The teacher-side quantities of the step-1 bound, from both teachers run on the batch the
     * trainer takes first: for each MSE term the summed mean square r² of δt over the elements the
     * term averages, and for the pooled cosine the batch mean of ‖t̂' − t̂‖.
     */
    private static Map<String, Double> step1Bounds(EncoderTeacher t32, EncoderTeacher t16,
            List<TokenizedExample> texts, long pad) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            TokenBatch batch = new ExampleBatchSource(texts, 8, LabelKind.NONE, null, pad, 3).next(m);
            ModelOutputs a = t32.forward(batch);
            ModelOutputs b = t16.forward(batch);
            long[] mask = batch.attentionMask().toLongArray();
            int rows = (int) batch.attentionMask().getShape().get(0);
            int len = (int) batch.attentionMask().getShape().get(1);
            double hidden = 0;
            for (int layer : MAPPED) {
                hidden += meanSquareOverRealTokens(a.hiddenStates().get(layer), b.hiddenStates().get(layer), mask, len);
            }
            double embedding = meanSquareOverRealTokens(a.hiddenStates().get(0), b.hiddenStates().get(0), mask, len);
            // the float16 teacher itself is as close as HalfPrecisionEncoderTest's bound allows: last hidden
            // state within 26u relative (root mean square of the error over that of the values)
            NDArray last = a.hiddenStates().get(12);
            double relative = Math.sqrt(meanSquareOverRealTokens(last, b.hiddenStates().get(12), mask, len)
                    / meanSquareOverRealTokens(last.zerosLike(), last, mask, len));
            System.out.printf(java.util.Locale.ROOT, "float16 teacher, last hidden state: relative rms error %.2e"
                    + " (bound 26u = %.2e)%n", relative, 26 * U);
            assertTrue(relative <= 26 * U, "float16 teacher's last hidden state off by " + relative + " relative");
            double attention = 0;
            for (int layer : MAPPED) {
                float[] x = a.attentionScores().get(layer - 1).toType(DataType.FLOAT32, false).toFloatArray();
                float[] y = b.attentionScores().get(layer - 1).toType(DataType.FLOAT32, false).toFloatArray();
                int heads = (int) a.attentionScores().get(layer - 1).getShape().get(1);
                double sum = 0;
                long n = 0;
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        for (int q = 0; q < len; q++) {
                            for (int k = 0; k < len; k++) {
                                if (mask[r * len + q] != 0 && mask[r * len + k] != 0) {
                                    double d = (double) y[((r * heads + h) * len + q) * len + k]
                                            - x[((r * heads + h) * len + q) * len + k];
                                    sum += d * d;
                                    n++;
                                }
                            }
                        }
                    }
                }
                attention += sum / n;
            }
            float[] p = a.pooled().toType(DataType.FLOAT32, false).toFloatArray();
            float[] p16 = b.pooled().toType(DataType.FLOAT32, false).toFloatArray();
            int width = p.length / rows;
            double cosine = 0;
            for (int r = 0; r < rows; r++) {
                double na = 0;
                double nb = 0;
                for (int j = 0; j < width; j++) {
                    na += (double) p[r * width + j] * p[r * width + j];
                    nb += (double) p16[r * width + j] * p16[r * width + j];
                }
                double dist = 0;
                for (int j = 0; j < width; j++) {
                    double d = p16[r * width + j] / Math.sqrt(nb) - p[r * width + j] / Math.sqrt(na);
                    dist += d * d;
                }
                cosine += Math.sqrt(dist) / rows;
            }
            return Map.of("hidden_mse", hidden, "embedding_mse", embedding, "attention_mse", attention,
                    "pooled_cosine", cosine);
        }
    }

    /** Mean of (y − x)² over the real tokens' rows of two (B, T, H) arrays. */
    private static double meanSquareOverRealTokens(NDArray x32, NDArray y16, long[] mask, int len) {
        float[] x = x32.toType(DataType.FLOAT32, false).toFloatArray();
        float[] y = y16.toType(DataType.FLOAT32, false).toFloatArray();
        int width = (int) x32.getShape().get(2);
        double sum = 0;
        long n = 0;
        for (int token = 0; token < mask.length; token++) {
            if (mask[token] != 0) {
                for (int j = 0; j < width; j++) {
                    double d = (double) y[token * width + j] - x[token * width + j];
                    sum += d * d;
                    n++;
                }
            }
        }
        return sum / n;
    }

    /** Step 1: each term, and the weighted total, within the bound its own δt gives. */
    private static void checkStep1(TrainingListener.StepReport a, TrainingListener.StepReport b,
            Map<String, Double> teacherSide) {
        Map<String, Double> weights = Map.of("pooled_cosine", 1.0, "hidden_mse", 0.1, "embedding_mse", 0.1,
                "attention_mse", 0.0002);
        double totalBound = ROUNDING * Math.abs(a.loss());
        StringBuilder seen = new StringBuilder();
        for (Map.Entry<String, Double> w : weights.entrySet()) {
            String term = w.getKey();
            Double l32 = a.terms().get(term);
            Double l16 = b.terms().get(term);
            assertTrue(l32 != null && l16 != null, term + " missing from " + a.terms().keySet());
            double q = teacherSide.get(term);
            double bound = (term.equals("pooled_cosine") ? q : 2 * Math.sqrt(l32) * Math.sqrt(q) + q)
                    + ROUNDING * Math.abs(l32);
            double diff = Math.abs(l16 - l32);
            seen.append(String.format(java.util.Locale.ROOT, "%s%s |dL| %.2e <= %.2e", seen.length() == 0 ? "" : ", ",
                    term, diff, bound));
            assertTrue(diff <= bound, "step 1 " + term + ": float32 teacher " + l32 + ", float16 teacher " + l16
                    + ", |difference| " + diff + " > " + bound + ", the bound its teacher error gives");
            totalBound += w.getValue() * bound;
        }
        double diff = Math.abs(b.loss() - a.loss());
        System.out.println("float16 vs float32 teacher, step 1 against the derived bounds: " + seen
                + String.format(java.util.Locale.ROOT, ", total |dL| %.2e <= %.2e", diff, totalBound));
        assertTrue(diff <= totalBound, "step 1 total: |difference| " + diff + " > " + totalBound);
    }

    private static void check(String what, double float32, double float16, StringBuilder seen) {
        double rel = Math.abs(float16 - float32) / Math.abs(float32);
        seen.append(String.format(java.util.Locale.ROOT, "%s%s %.1e", seen.length() == 0 ? "" : ", ", what, rel));
        assertTrue(rel <= TOLERANCE, what + ": float32 teacher " + float32 + ", float16 teacher " + float16
                + ", relative difference " + rel + " > " + TOLERANCE);
    }
}
