package dev.distill.examples.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.examples.CliRuns;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.io.ModelCard;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./distill export} end to end on a small model, and the deployment gate's rule. */
class ExportCommandTest {

    @TempDir
    static Path tmp;

    static Path model;

    @BeforeAll
    static void smallModel() throws Exception {
        EncoderConfig c = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(32).setNumLayers(2).setNumHeads(4)
                .setIntermediateSize(48).optMaxPositions(128).build();
        model = tmp.resolve("small");
        KnownModel bge = KnownModel.BGE_SMALL_EN_V15;
        try (NDManager m = NDManager.newBaseManager();
                InputStream in = ExportCommandTest.class.getClassLoader().getResourceAsStream(bge.tokenizerResource());
                TextTokenizer tok = TextTokenizer.load(in, bge.tokenizerResource(), 128)) {
            Encoder e = Students.fromConfig(c, Pooling.MEAN, null, m, 5);
            HfDirectory.save(e, tok, model, new ModelCard("small test model", "bge-small-en-v1.5", "none",
                    "random initialisation", Map.of("STS mean", "n/a"), null));
        }
    }

    private static String run(String... args) {
        return CliRuns.runOk(args);
    }

    @Test
    void gateRefusesAnExportThatLosesMoreThanTheThreshold() {
        List<ExportCommand.Row> rows = List.of(new ExportCommand.Row("distill", 70.00, 78.0, 80, false),
                new ExportCommand.Row("ONNX Runtime fp32", 70.00, 78.0, 100, false),
                new ExportCommand.Row("ONNX Runtime int8", 69.20, 77.5, 180, true));
        String msg = ExportCommand.refusal(rows, 0.5);
        assertTrue(msg.contains("ONNX Runtime int8 scores STS mean 69.20, 0.80 points below distill's 70.00")
                && msg.contains("--max-sts-drop 0.50"), msg);
        assertNull(ExportCommand.refusal(rows, 0.8), "a loss equal to the limit passes");
        assertNull(ExportCommand.refusal(List.of(rows.get(0), new ExportCommand.Row("x", 71, 79, 1, true)), 0),
                "a gain passes");
    }

    @Test
    void onnxExportIsRescoredAndWritten() throws Exception {
        Path out = tmp.resolve("onnx");
        String text = run("export", "--model", model.toString(), "--format", "onnx", "--out", out.toString(),
                "--sts-pairs", "6", "--threads", "1");
        assertTrue(text.contains("ONNX Runtime fp32 (model.onnx)"), text);
        assertTrue(Files.size(out.resolve("model.onnx")) > 4_000_000, "the embedding table alone is 3.9 MB");
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("export.json"))).getAsJsonObject();
        JsonArray rows = report.getAsJsonObject("gate").getAsJsonArray("rows");
        assertEquals(2, rows.size());
        double distill = rows.get(0).getAsJsonObject().get("sts_mean").getAsDouble();
        double onnx = rows.get(1).getAsJsonObject().get("sts_mean").getAsDouble();
        // the same weights in two runtimes (max difference ~1e-6): the same ranking up to near-ties
        // (bge-small over all 5,358 pairs: 71.1535 vs 71.1538)
        assertEquals(distill, onnx, 0.05, "fp32 ONNX must score what distill's encoder scores");
        assertEquals("mean", report.get("pooling").getAsString());
    }

    @Test
    void hfExportKeepsTheRunsModelCard() throws Exception {
        Path out = tmp.resolve("hf");
        run("export", "--model", model.toString(), "--format", "hf", "--out", out.toString(), "--eval", "none");
        assertTrue(Files.isRegularFile(out.resolve("modules.json")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("# small test model"));
    }

    @Test
    void unknownFormatIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExportCommand.parseFormat("tf"));
        assertEquals("--format tf is unknown; use hf, onnx or onnx-int8", e.getMessage());
    }
}
