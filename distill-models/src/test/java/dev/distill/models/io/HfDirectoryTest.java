package dev.distill.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.models.KnownModel;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.Head;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.SpanQaHead;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import ai.djl.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Export to a Hugging Face directory, re-import, same outputs; the files follow the formats. */
class HfDirectoryTest {

    private static final EncoderConfig SMALL = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(32)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(48).optMaxPositions(64).build();

    private static NDManager manager;
    private static TextTokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        KnownModel bge = KnownModel.BGE_SMALL_EN_V15;
        try (InputStream in = HfDirectoryTest.class.getClassLoader().getResourceAsStream(bge.tokenizerResource())) {
            tokenizer = TextTokenizer.load(in, bge.tokenizerResource(), 64);
        }
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
        manager.close();
    }

    static Stream<Function<EncoderConfig, Head>> heads() {
        return Stream.of(c -> null, MaskedLmHead::new, SpanQaHead::new,
                c -> new ClassificationHead(c, List.of("neg", "pos"), false), ClassificationHead::regression);
    }

    @ParameterizedTest
    @MethodSource("heads")
    void roundTripGivesIdenticalOutputs(Function<EncoderConfig, Head> headFactory) throws Exception {
        Head head = headFactory.apply(SMALL);
        Encoder original = Students.fromConfig(SMALL, Pooling.MEAN, head, manager, 3);
        Path dir = tmp.resolve("model");
        HfDirectory.save(original, tokenizer, dir);
        HfDirectory.Loaded loaded = HfDirectory.load(dir, manager);
        Encoder back = loaded.encoder();
        assertEquals(Pooling.MEAN, back.pooling());
        assertEquals(original.config(), back.config());
        assertEquals(original.head().map(Head::architecture), back.head().map(Head::architecture));
        TokenBatch batch = tokenizer.batch(List.of("A cat sits on the mat.", "Hello"), manager);
        ModelOutputs a = original.forward(batch, false);
        ModelOutputs b = back.forward(batch, false);
        assertArrayEquals(a.lastHiddenState().toFloatArray(), b.lastHiddenState().toFloatArray());
        if (head != null) {
            assertArrayEquals(a.logits().toFloatArray(), b.logits().toFloatArray());
        }
        // Hugging Face layout: "bert." prefix on encoder weights exactly when a head is present
        Map<String, TensorData> file = SafeTensors.read(dir.resolve("model.safetensors")).tensors();
        String wordEmb = head == null ? "embeddings.word_embeddings.weight" : "bert.embeddings.word_embeddings.weight";
        assertTrue(file.containsKey(wordEmb), "missing " + wordEmb + " in " + file.keySet());
        assertEquals("pt", SafeTensors.read(dir.resolve("model.safetensors")).metadata().get("format"));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        JsonObject pooling = JsonParser.parseString(Files.readString(dir.resolve("1_Pooling/config.json"))).getAsJsonObject();
        assertTrue(pooling.get("pooling_mode_mean_tokens").getAsBoolean());
    }

    @Test
    void exportedWeightsParseWithIndependentNumpyReader() throws Exception {
        assumeTrue(numpyAvailable(), "skipped: /usr/bin/python3 with numpy is not installed (CI may lack Python)");
        Encoder original = Students.fromConfig(SMALL, Pooling.CLS, new SpanQaHead(SMALL), manager, 4);
        Path dir = tmp.resolve("np");
        HfDirectory.save(original, tokenizer, dir);
        Path script = findScript();
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "summary",
                dir.resolve("model.safetensors").toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        JsonObject summary = JsonParser.parseString(out).getAsJsonObject();
        Map<String, TensorData> state = original.stateDict();
        assertEquals("pt", summary.getAsJsonObject("__metadata__").get("format").getAsString());
        // every tensor, the zero pooler BertModel expects (a span QA head has none), and __metadata__
        assertEquals(state.size() + 2 + 1, summary.size(), "every tensor, the pooler and __metadata__");
        float[] expected = state.get("qa_outputs.weight").toFloats();
        var values = summary.getAsJsonObject("qa_outputs.weight").getAsJsonArray("values");
        assertEquals(expected.length, values.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], values.get(i).getAsFloat(), 0f);
        }
        var shape = summary.getAsJsonObject("bert.encoder.layer.1.intermediate.dense.weight").getAsJsonArray("shape");
        assertEquals(48, shape.get(0).getAsInt());
        assertEquals(32, shape.get(1).getAsInt());
    }

    @Test
    void missingWeightsFileIsAClearError() throws Exception {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 5);
        Path dir = tmp.resolve("m");
        HfDirectory.save(e, tokenizer, dir);
        Files.delete(dir.resolve("model.safetensors"));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> HfDirectory.load(dir, manager));
        assertTrue(ex.getMessage().contains("has no model.safetensors"), ex.getMessage());
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1});
        ex = assertThrows(IllegalArgumentException.class, () -> HfDirectory.load(dir, manager));
        assertTrue(ex.getMessage().contains("safe_serialization=True"), ex.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 6);
        Path dir = tmp.resolve("t");
        HfDirectory.save(e, tokenizer, dir);
        Map<String, TensorData> tensors = new java.util.LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")).tensors());
        tensors.remove("encoder.layer.1.attention.self.value.bias");
        SafeTensors.write(dir.resolve("model.safetensors"), tensors);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> HfDirectory.load(dir, manager));
        assertTrue(ex.getMessage().contains("missing (1): [encoder.layer.1.attention.self.value.bias]"), ex.getMessage());
    }

    @Test
    void unknownModelNameListsTheKnownOnes() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.load("bert-huge-9000", Device.cpu(), 64));
        assertTrue(ex.getMessage().contains("bge-small-en-v1.5") && ex.getMessage().contains("all-MiniLM-L6-v2")
                && ex.getMessage().contains("bert-huge-9000"), ex.getMessage());
    }

    @Test
    void modelLoaderReadsAnExportedDirectory() {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 7);
        Path dir = tmp.resolve("d");
        HfDirectory.save(e, tokenizer, dir);
        try (LoadedModel m = ModelLoader.load(dir.toString(), Device.cpu(), 32)) {
            TokenBatch batch = m.tokenizer().batch(List.of("round trip"), m.manager());
            TokenBatch same = tokenizer.batch(List.of("round trip"), manager);
            assertArrayEquals(e.forward(same, false).pooled().toFloatArray(),
                    m.encoder().forward(batch, false).pooled().toFloatArray());
        }
    }

    private static boolean numpyAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy").start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Path findScript() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/safetensors_numpy.py"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "scripts/safetensors_numpy.py not found above the working directory");
        return dir.resolve("scripts/safetensors_numpy.py");
    }
}
