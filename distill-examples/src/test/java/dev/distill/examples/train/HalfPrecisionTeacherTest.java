package dev.distill.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
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
 * <p>Tolerance: each term is a smooth function of the teacher's targets. For an MSE,
 * |ΔL| ≤ 2·rms(δt)·rms(s − t) + rms(δt)², so |ΔL| / L ≤ 2ρ + ρ² with ρ = rms(δt) / rms(s − t); a
 * cosine moves by at most the angle between t and t + δt, ≤ ε. With the targets' relative error ε
 * ≤ 26u = 1.3e-2 (HalfPrecisionEncoderTest's bound for the last hidden state, u = 2⁻¹¹) and a
 * student that starts about as far from the teacher as the targets are large (ρ ≲ ε), each term
 * and the total may differ by 2ε + ε² ≈ 2.6e-2 relative. Steps 2 and 3 add the effect of slightly
 * different updates (learning rate 1e-4), far smaller. This is a worst case (δt aligned with
 * s − t); rounding errors are nearly uncorrelated with s − t, and the measured differences are at
 * most about 2e-4 (the attention-score term), mostly 1e-5.
 */
class HalfPrecisionTeacherTest {

    private static final float U = (float) Math.pow(2, -11);
    private static final double TOLERANCE = 2 * 26 * U + Math.pow(26 * U, 2);

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
                for (int i = 0; i < 3; i++) {
                    TrainingListener.StepReport a = r32.get(i);
                    TrainingListener.StepReport b = r16.get(i);
                    assertTrue(Double.isFinite(b.loss()) && Double.isFinite(b.gradNorm()), b.toString());
                    check("step " + (i + 1) + " total", a.loss(), b.loss(), seen);
                    for (Map.Entry<String, Double> e : a.terms().entrySet()) {
                        check("step " + (i + 1) + " " + e.getKey(), e.getValue(), b.terms().get(e.getKey()), seen);
                    }
                }
                System.out.println("float16 vs float32 teacher, relative loss differences: " + seen);

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

    private static void check(String what, double float32, double float16, StringBuilder seen) {
        double rel = Math.abs(float16 - float32) / Math.abs(float32);
        seen.append(String.format(java.util.Locale.ROOT, "%s%s %.1e", seen.length() == 0 ? "" : ", ", what, rel));
        assertTrue(rel <= TOLERANCE, what + ": float32 teacher " + float32 + ", float16 teacher " + float16
                + ", relative difference " + rel + " > " + TOLERANCE);
    }
}
