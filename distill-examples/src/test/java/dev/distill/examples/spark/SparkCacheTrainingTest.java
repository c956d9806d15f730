package dev.distill.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.CacheReplayTeacher;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.WordNetText;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.examples.TinyTeacher;
import dev.distill.examples.mlm.CachedMlmBatches;
import dev.distill.losses.CachedTopKSource;
import dev.distill.losses.HardLabelLoss;
import dev.distill.losses.Positions;
import dev.distill.losses.TopKSoftTargetLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.MaskedLmStudent;
import dev.distill.spark.LocalSparkCache;
import dev.distill.spark.MlmTeacherSource;
import dev.distill.spark.SparkCacheBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer reads a Spark-built cache unchanged: a masked-LM student distilled from the cache
 * that {@code ./distill cache --spark local[2]} builds logs, step for step, the same losses as one
 * distilled from the cache the single-process builder writes (as {@code ./distill mlm} does), same
 * seed. The teacher is a tiny random BERT with bge-small's tokenizer (fast; the equality of real
 * teachers' caches is SparkCacheBuilderTest's job), the texts are real WordNet glosses.
 */
class SparkCacheTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void aStudentTrainedFromTheSparkCacheHasTheSameLossCurve() throws Exception {
        Path teacherDir = TinyTeacher.create(tmp.resolve("teacher"), 2);
        List<String> texts = new ArrayList<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            while (texts.size() < 300 && s.hasNext()) {
                texts.add(s.next().text());
            }
        }
        int maxLength = 32;
        long seed = 11;
        int k = 16;
        try (LoadedModel loaded = ModelLoader.load(teacherDir.toString(), Device.cpu(), maxLength)) {
            Encoder teacher = loaded.encoder();
            int vocab = teacher.config().vocabSize();
            MaskedSet set = MaskedSet.fromTexts(texts, TextPipeline.unlabelled(loaded.tokenizer()),
                    MlmMasker.builder(loaded.tokenizer().tokenId("[MASK]"), vocab).optSeed(seed).build(), 0, 16);
            MlmTeacher mlm = new MlmTeacher(teacher, MlmTeacher.identityHead(teacher, loaded.manager()), false);
            CacheFingerprint fp = CacheFingerprint.of(mlm.weightsHash(), MlmTeacher.tokenizerHash(loaded.tokenizer()),
                    set.cacheExamples(), maxLength, k, seed);
            Path single = tmp.resolve("single");
            TopKCacheBuilder.builder(single, mlm, loaded.manager(), vocab).optExamplesPerShard(64).build()
                    .build(set.cacheExamples(), fp);

            Path spark = tmp.resolve("spark");
            SparkCacheBuilder.Result r = LocalSparkCache.build("local[2]", texts, spark,
                    new MlmTeacherSource(teacherDir.toString(), maxLength, seed, "cpu"), k, List.of(), 64, 32, 0);
            assertEquals(fp, r.fingerprint(), "the Spark build's fingerprint is the single-process one");
            assertEquals(5, r.shardsBuilt());

            List<Double> fromSingle = train(TopKCache.open(single, fp), set, teacher, tmp.resolve("run-single"));
            List<Double> fromSpark = train(TopKCache.open(spark, fp), set, teacher, tmp.resolve("run-spark"));
            System.out.println("single-process cache " + fromSingle + "\nSpark cache " + fromSpark);
            assertEquals(8, fromSingle.size());
            assertTrue(fromSingle.get(7) < fromSingle.get(0), "the student learns: " + fromSingle);
            assertEquals(fromSingle, fromSpark, "same seed, same cache content: the same loss at every step");
        }
    }

    /** Eight steps of top-k soft targets from the cache + hard MLM labels; the loss of every step. */
    private static List<Double> train(TopKCache cache, MaskedSet set, Encoder teacher, Path out) throws Exception {
        CachedMlmBatches data = new CachedMlmBatches(set, 16, 5);
        try (NDManager sm = NDManager.newBaseManager(Device.cpu())) {
            Encoder encoder = Students.everyOtherLayer(teacher, null, sm, 9);
            MaskedLmStudent student = new MaskedLmStudent(encoder, MlmTeacher.identityHead(encoder, sm));
            WeightedSumLoss loss = WeightedSumLoss.builder()
                    .add("soft_topk", 1.0, TopKSoftTargetLoss.builder(new CachedTopKSource(cache, data::examplesOf))
                            .optPositions(Positions.LABELLED_TOKENS).build())
                    .add("mlm", 0.5, new HardLabelLoss("mlm", HardLabelLoss.Task.MASKED_LM)).build();
            TrainerConfig config = TrainerConfig.builder().setSteps(8).optLearningRate(1e-3f).optWarmupFraction(0)
                    .optLogInterval(1).optCheckpointInterval(100).optSeed(9).optDevices(Device.cpu(), Device.cpu())
                    .build();
            new DistillationTrainer(new CacheReplayTeacher(cache, teacher.dims(), data::examplesOf, Device.cpu()),
                    student, loss, config).fit(data, out);
        }
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if ("train".equals(o.get("type").getAsString())) {
                losses.add(o.get("loss").getAsDouble());
            }
        }
        return losses;
    }
}
