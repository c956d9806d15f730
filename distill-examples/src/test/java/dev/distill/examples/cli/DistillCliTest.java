package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.eval.StsEvaluator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import dev.distill.core.io.TensorData;
import dev.distill.examples.RunFiles;
import dev.distill.examples.TinyTeacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user runs it, in-process. */
class DistillCliTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cli = new CommandLine(new DistillCli())
                    .setExecutionExceptionHandler(new DistillCli.ErrorHandler());
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    private static float[] vector(JsonObject o) {
        JsonArray a = o.getAsJsonArray("embedding");
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsFloat();
        }
        return v;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void encodePrintsOneNormalisedJsonObjectPerText() {
        List<String> texts = List.of("A man is playing a guitar.", "Someone plays the guitar.",
                "The stock market fell sharply today.");
        Run r = run("encode", "--model", "all-MiniLM-L6-v2", "--pooling", "mean", "--text", texts.get(0),
                "--text", texts.get(1), "--text", texts.get(2));
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        float[][] v = new float[3][];
        for (int i = 0; i < 3; i++) {
            JsonObject o = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(texts.get(i), o.get("text").getAsString());
            v[i] = vector(o);
            assertEquals(384, v[i].length);
            assertEquals(1.0, norm(v[i]), 1e-4);
        }
        // paraphrases are closer than unrelated sentences
        assertTrue(StsEvaluator.cosine(v[0], v[1]) > StsEvaluator.cosine(v[0], v[2]) + 0.2,
                "paraphrase " + StsEvaluator.cosine(v[0], v[1]) + " vs unrelated " + StsEvaluator.cosine(v[0], v[2]));
    }

    @Test
    void noNormalizeKeepsRawVectors() {
        Run r = run("encode", "--model", "bge-small-en-v1.5", "--pooling", "cls", "--no-normalize", "--text", "hello world");
        assertEquals(0, r.code(), r.err());
        float[] v = vector(JsonParser.parseString(r.out().strip()).getAsJsonObject());
        assertTrue(Math.abs(norm(v) - 1.0) > 0.1, "raw CLS vector norm " + norm(v) + " should not be 1");
    }

    /** The 14 commands; a new one must be added here, with a tiny run somewhere in the suite. */
    static final List<String> COMMANDS = List.of("embeddings", "classify", "qa", "custom-loss", "block", "mlm",
            "mlm-head", "prune", "export", "bench", "encode", "sts", "cache", "report");

    /**
     * Every command answers {@code --help} with its usage and every option it accepts. Tiny real
     * runs: encode and sts and prune here; embeddings, classify, qa, custom-loss, block, mlm,
     * mlm-head, export, bench, cache and report in their own test classes (EmbeddingsCommandTest,
     * ClassifyCommandTest, QaCommandTest, CustomLossExampleTest, BlockCommandTest, MlmCommandTest,
     * MlmHeadCommandTest, ExportCommandTest, BenchCommandTest, CacheCommandTest, ReportCommandTest).
     */
    @Test
    void everyCommandHasHelp() {
        CommandLine cli = new CommandLine(new DistillCli());
        List<String> registered = cli.getSubcommands().keySet().stream().filter(c -> !c.equals("help")).toList();
        assertEquals(COMMANDS, registered);
        for (String cmd : COMMANDS) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd + ": " + r.err());
            assertTrue(r.out().contains("Usage: distill " + cmd), r.out());
            for (CommandLine.Model.OptionSpec o : cli.getSubcommands().get(cmd).getCommandSpec().options()) {
                assertTrue(o.hidden() || r.out().contains(o.longestName()), cmd + " --help does not list " + o.longestName()
                        + ":\n" + r.out());
            }
        }
        Run top = run("--help");
        assertEquals(0, top.code());
        for (String cmd : COMMANDS) {
            assertTrue(top.out().contains(cmd), cmd + " missing from distill --help:\n" + top.out());
        }
    }

    /**
     * {@code ./distill sts} on a tiny random model: all 9 subsets and 5,358 pairs (counted from the
     * jar by count_real_data.py), each a Spearman × 100, the mean their unweighted mean.
     */
    @Test
    void stsScoresEverySubsetOfATinyModel() throws Exception {
        Path model = TinyTeacher.create(tmp.resolve("tiny"), 2);
        Run r = run("sts", "--model", model.toString(), "--pooling", "cls", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        Map<String, Double> rows = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S.*?)\\s+(-?\\d+\\.\\d\\d)$").matcher(r.out());
        while (m.find()) {
            rows.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        double mean = rows.remove("mean");
        double pooled = rows.remove("pooled");
        assertEquals(9, rows.size(), r.out());
        double sum = 0;
        for (double v : rows.values()) {
            assertTrue(v >= -100 && v <= 100, r.out());
            sum += v;
        }
        assertEquals(sum / 9, mean, 0.01, "mean of the printed (rounded) subsets");
        assertTrue(pooled >= -100 && pooled <= 100);
        assertTrue(r.out().contains("5,358 pairs"), r.out());
    }

    /**
     * {@code ./distill prune} on a tiny random teacher (4 layers × 32): the student directory has
     * the asked shape, and its embeddings are exactly the teacher's columns that pruning.json says
     * were kept.
     */
    @Test
    void pruneWritesTheAskedShapeCutFromTheTeacher() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 4);
        Path out = tmp.resolve("pruned");
        Run r = run("prune", "--teacher", teacher.toString(), "--layers", "2", "--hidden", "16", "--heads", "2",
                "--ffn", "32", "--calibration-size", "16", "--batch-size", "8", "--device", "cpu", "--out",
                out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertEquals(2, config.get("num_hidden_layers").getAsInt());
        assertEquals(16, config.get("hidden_size").getAsInt());
        assertEquals(2, config.get("num_attention_heads").getAsInt());
        assertEquals(32, config.get("intermediate_size").getAsInt());
        JsonObject pruning = JsonParser.parseString(Files.readString(out.resolve("pruning.json"))).getAsJsonObject();
        assertEquals(2, pruning.getAsJsonArray("kept_layers").size());
        JsonArray kept = pruning.getAsJsonArray("kept_channels");
        assertEquals(16, kept.size());
        TensorData s = RunFiles.find(RunFiles.tensors(out.resolve("model.safetensors")),
                "embeddings.word_embeddings.weight");
        TensorData t = RunFiles.find(RunFiles.tensors(teacher.resolve("model.safetensors")),
                "embeddings.word_embeddings.weight");
        assertArrayEquals(new long[] {30522, 16}, s.shape());
        float[] sv = s.toFloats();
        float[] tv = t.toFloats();
        for (int v = 0; v < 30522; v += 97) {
            for (int j = 0; j < 16; j++) {
                assertEquals(tv[v * 32 + kept.get(j).getAsInt()], sv[v * 16 + j], 0f, "row " + v + " column " + j);
            }
        }
    }

    @Test
    void badInputGivesAClearErrorAndExitCode2() {
        Run r = run("encode", "--model", "no-such-model", "--text", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no-such-model") && r.err().contains("bge-small-en-v1.5"), r.err());
        Run p = run("encode", "--model", "all-MiniLM-L6-v2", "--pooling", "max", "--text", "x");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("pooling 'max' is unknown; use cls or mean"), p.err());
    }

    @Test
    void teacherPrecisionIsCheckedBeforeAnythingLoads() {
        for (String cmd : new String[] {"embeddings", "classify", "qa"}) {
            Run help = run(cmd, "--help");
            assertTrue(help.out().contains("--teacher-precision=fp32|fp16") && help.out().contains("(default: fp32)"),
                    help.out());
            Run bf16 = run(cmd, "--teacher-precision", "bf16");
            assertEquals(2, bf16.code(), cmd);
            assertTrue(bf16.err().contains("Invalid value for option '--teacher-precision': teacher precision 'bf16' "
                    + "is not available: DJL 0.35.1's PyTorch JNI has no bfloat16 type and aborts the JVM on it; "
                    + "use fp16 or fp32"), bf16.err());
            Run other = run(cmd, "--teacher-precision", "int8");
            assertEquals(2, other.code(), cmd);
            assertTrue(other.err().contains("teacher precision 'int8' is unknown; use fp32 or fp16"), other.err());
        }
    }

    @Test
    void embeddingsAlignmentOptionsAreCheckedBeforeAnythingLoads() {
        Run map = run("embeddings", "--layer-map", "3,six,12");
        assertEquals(2, map.code());
        assertTrue(map.err().contains("--layer-map '3,six,12' is not auto, uniform or a list of increasing 1-based"
                + " teacher layers"), map.err());
        Run init = run("embeddings", "--projection-init", "zeros");
        assertEquals(2, init.code());
        assertTrue(init.err().contains("--projection-init 'zeros' must be auto or random"), init.err());
        Run weights = run("embeddings", "--w-cosine", "0", "--w-hidden", "0", "--w-embedding", "0",
                "--w-attention", "0");
        assertEquals(2, weights.code());
        assertTrue(weights.err().contains("every loss weight"), weights.err());
    }
}
