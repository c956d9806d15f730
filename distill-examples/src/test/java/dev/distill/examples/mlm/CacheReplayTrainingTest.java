package dev.distill.examples.mlm;

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
import dev.distill.core.data.MlmMasker;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.TrainerConfig;
import dev.distill.examples.TinyTeacher;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock {@link DistillationTrainer} with TinyBERT's hidden-state loss, once against the live
 * teacher and once against a {@link CacheReplayTeacher} over a cache of the hidden states the
 * loss compares (the embedding output and the last layer): same student initialisation, batches,
 * dropout masks and steps. The logged loss of every step must agree within 1e-3 relative (+1e-6):
 * the only difference is the fp16 rounding of the stored states (≤ 2⁻¹¹ relative per value), which
 * moves the MSE by far less (CachedHiddenStatesTest bounds it exactly).
 */
class CacheReplayTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void trainingFromCachedHiddenStatesFollowsTheOnlineTeacher() throws Exception {
        Path teacherDir = TinyTeacher.create(tmp.resolve("teacher"), 2);
        try (LoadedModel loaded = ModelLoader.load(teacherDir.toString(), Device.cpu(), 16)) {
            Encoder teacher = loaded.encoder();
            EncoderTeacher online = new EncoderTeacher(teacher);
            List<String> texts = new ArrayList<>();
            String[] words = {"river", "bank", "money", "water", "stone", "bridge", "city", "music"};
            for (int i = 0; i < 24; i++) {
                texts.add("the " + words[i % 8] + " and the " + words[(i * 3 + 1) % 8] + " were " + words[(i * 5 + 2) % 8]);
            }
            int vocab = teacher.config().vocabSize();
            MaskedSet set = MaskedSet.fromTexts(texts, TextPipeline.unlabelled(loaded.tokenizer()),
                    MlmMasker.builder(loaded.tokenizer().tokenId("[MASK]"), vocab).optSeed(3).build(), 0, 8);
            MlmTeacher mlm = new MlmTeacher(teacher, MlmTeacher.identityHead(teacher, loaded.manager()), false);
            CacheFingerprint fp = CacheFingerprint.of(mlm.weightsHash(), MlmTeacher.tokenizerHash(loaded.tokenizer()),
                    set.cacheExamples(), 16, 4, 3).withHiddenLayers(List.of(0, 2));
            TopKCacheBuilder.builder(tmp.resolve("cache"), mlm, loaded.manager(), vocab).optHiddenDim(32)
                    .optExamplesPerShard(10).build().build(set.cacheExamples(), fp);
            TopKCache cache = TopKCache.open(tmp.resolve("cache"), fp);

            List<Double> fromTeacher = train(online, null, teacher, set, tmp.resolve("online"));
            CachedMlmBatches data = new CachedMlmBatches(set, 4, 5);
            List<Double> fromCache = train(new CacheReplayTeacher(cache, teacher.dims(), data::examplesOf,
                    Device.cpu()), data, teacher, set, tmp.resolve("replay"));
            assertEquals(6, fromTeacher.size());
            System.out.println("online " + fromTeacher + "\nfrom the cache " + fromCache);
            assertTrue(!fromTeacher.equals(fromCache), "the replay is the cache, not the live teacher: rounding shows");
            assertTrue(fromTeacher.get(5) < fromTeacher.get(0), "the student learns: " + fromTeacher);
            for (int i = 0; i < fromTeacher.size(); i++) {
                assertEquals(fromTeacher.get(i), fromCache.get(i), 1e-3 * Math.abs(fromTeacher.get(i)) + 1e-6,
                        "step " + (i + 1) + ": online " + fromTeacher + ", from the cache " + fromCache);
            }
        }
    }

    /** Six steps of TinyBERT's embedding + hidden-state MSE; the loss logged at every step. */
    private static List<Double> train(FrozenTeacher teacher, CachedMlmBatches given, Encoder teacherEncoder,
            MaskedSet set, Path out) throws Exception {
        CachedMlmBatches data = given != null ? given : new CachedMlmBatches(set, 4, 5);
        try (NDManager sm = NDManager.newBaseManager(Device.cpu())) {
            Encoder student = Students.everyOtherLayer(teacherEncoder, null, sm, 9); // layer 0 of 2
            TrainerConfig config = TrainerConfig.builder().setSteps(6).optLearningRate(1e-3f).optWarmupFraction(0)
                    .optLogInterval(1).optCheckpointInterval(100).optSeed(9).optDevices(Device.cpu(), Device.cpu())
                    .build();
            HiddenStateLoss loss = HiddenStateLoss.builder().optSource(HiddenStateLoss.Source.EMBEDDINGS_AND_LAYERS)
                    .build();
            new DistillationTrainer(teacher, new EncoderStudent(student), loss, config).fit(data, out);
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
