package dev.distill.examples.export;

import ai.djl.Device;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.distill.core.data.StsData;
import dev.distill.core.eval.StsEvaluator;
import dev.distill.core.eval.TextEmbedder;
import dev.distill.core.io.AtomicFiles;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.inference.SentenceEmbedder;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.io.onnx.OnnxExporter;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./distill export}: writes a model where Java (and Python) serve it, behind a deployment
 * gate. The written files are re-scored on the evaluation set (SemEval STS 2012 + 2013 test) by
 * the runtime that will serve them (ONNX Runtime for ONNX, distill for a Hugging Face directory)
 * and compared with distill's own encoder; beyond {@code --max-sts-drop} points the export is
 * refused with the figures and nothing is written. The same run times ONNX Runtime on the STS
 * sentences, fp32 and int8: the table of docs/deploy.md.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a model as a Hugging Face / sentence-transformers directory (hf), an ONNX model (onnx)",
                "or an int8 dynamically quantised ONNX model (onnx-int8), with model.onnx + tokenizer.json for",
                "langchain4j, Spring AI, DJL and ONNX Runtime. A deployment gate re-scores the written files on",
                "STS and refuses the export when they lose more than --max-sts-drop points (docs/deploy.md)."})
public final class ExportCommand implements Callable<Integer> {

    /** What {@code --format} accepts. */
    enum Format { HF, ONNX, ONNX_INT8 }

    @Option(names = "--model", required = true, paramLabel = "<name|path>",
            description = "A known model name, a Hugging Face directory (e.g. runs/embeddings/student) or an .onnx file.")
    String model;

    @Option(names = "--format", required = true, paramLabel = "hf|onnx|onnx-int8", description = "What to write.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write: new or empty (never one holding a model); written atomically.")
    Path out;

    @Option(names = "--eval", defaultValue = "sts", paramLabel = "sts|none",
            description = "The gate's evaluation set (default: ${DEFAULT-VALUE}; none skips the gate and the timing).")
    String eval;

    @Option(names = "--max-sts-drop", defaultValue = "0.5", paramLabel = "POINTS",
            description = "Refuse when an exported file's STS mean (Spearman x100) is more than this many points below"
                    + " distill's encoder (default: ${DEFAULT-VALUE}).")
    double maxDrop;

    @Option(names = "--sts-pairs", defaultValue = "0", paramLabel = "N",
            description = "Score only the first N pairs of each STS subset (a quick check; default 0: all 5,358 pairs).")
    int stsPairs;

    @Option(names = "--threads", paramLabel = "N",
            description = "ONNX Runtime intra-op threads (default: the available cores).")
    Integer threads;

    @Option(names = "--max-length", defaultValue = "128", paramLabel = "N",
            description = "Truncate evaluation inputs to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Texts per forward pass in the gate (default: ${DEFAULT-VALUE}).")
    int batchSize;

    /** One scored model: STS figures and throughput over the STS sentences. */
    record Row(String name, double mean, double pooled, double sentencesPerSecond, boolean exported) {}

    @Override
    public Integer call() throws Exception {
        Format f = parseFormat(format);
        if (!eval.equals("sts") && !eval.equals("none")) {
            throw new IllegalArgumentException("--eval " + eval + " is not supported; use sts (SemEval STS 2012 + 2013"
                    + " test) or none (no gate)");
        }
        if (!(maxDrop >= 0)) {
            throw new IllegalArgumentException("--max-sts-drop " + maxDrop + " must be a number >= 0 (points of STS"
                    + " Spearman x100 the exported model may lose)");
        }
        if (stsPairs < 0 || batchSize <= 0 || maxLength < 2) {
            throw new IllegalArgumentException("--sts-pairs (" + stsPairs + ") must be >= 0, --batch-size (" + batchSize
                    + ") > 0 and --max-length (" + maxLength + ") >= 2");
        }
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (nThreads <= 0) {
            throw new IllegalArgumentException("--threads " + nThreads + " must be positive");
        }
        if (Files.isRegularFile(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a directory to write the export into");
        }
        StsEvaluator sts = eval.equals("sts") ? evaluator() : null;
        try (LoadedModel m = ModelLoader.load(model, Device.cpu(), maxLength)) {
            List<Row> rows = new ArrayList<>();
            if (sts != null) {
                SentenceEmbedder own = new SentenceEmbedder(m.encoder(), m.tokenizer(), m.manager(), m.pooling(), true,
                        batchSize);
                rows.add(score("distill encoder (PyTorch, fp32)", own, sts, false));
            }
            AtomicFiles.replaceDirectory(out, tmp -> {
                write(f, m, tmp);
                if (sts != null) {
                    gate(f, m, tmp, sts, nThreads, rows);
                }
                writeReport(tmp, f, m, rows, nThreads);
            });
            print(rows);
            System.out.printf(Locale.ROOT, "wrote %s (%s)%n", out, f.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return 0;
    }

    static Format parseFormat(String s) {
        try {
            return Format.valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format " + s + " is unknown; use hf, onnx or onnx-int8");
        }
    }

    private StsEvaluator evaluator() {
        List<StsData.Subset> subsets = StsData.semEvalTest();
        if (stsPairs > 0) {
            List<StsData.Subset> cut = new ArrayList<>();
            for (StsData.Subset s : subsets) {
                cut.add(new StsData.Subset(s.name(), s.pairs().subList(0, Math.min(stsPairs, s.pairs().size()))));
            }
            subsets = cut;
        }
        return new StsEvaluator(subsets);
    }

    private static void write(Format f, LoadedModel m, Path dir) throws IOException {
        if (f == Format.HF) {
            HfDirectory.save(m.encoder(), m.tokenizer(), dir);
            Path card = sourceDir(m) == null ? null : sourceDir(m).resolve("README.md");
            if (card != null && Files.isRegularFile(card)) {
                Files.copy(card, dir.resolve("README.md"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        OnnxExporter.Precision p = f == Format.ONNX ? OnnxExporter.Precision.FLOAT32 : OnnxExporter.Precision.INT8;
        OnnxExporter.export(m.encoder(), dir.resolve("model.onnx"), p, Map.of("distill.source", m.source()));
        Files.write(dir.resolve("tokenizer.json"), m.tokenizer().json());
    }

    private static Path sourceDir(LoadedModel m) {
        Path p = Path.of(m.source());
        return Files.isDirectory(p) ? p : null;
    }

    /** Scores the written files by the runtime that will serve them, then refuses beyond the threshold. */
    private void gate(Format f, LoadedModel m, Path dir, StsEvaluator sts, int nThreads, List<Row> rows)
            throws IOException {
        try {
            rescore(f, m, dir, sts, nThreads, rows);
        } catch (ai.onnxruntime.OrtException e) {
            throw new IOException("ONNX Runtime cannot run the exported model in " + dir + ": " + e.getMessage(), e);
        }
        refuseBeyondThreshold(rows);
    }

    private void rescore(Format f, LoadedModel m, Path dir, StsEvaluator sts, int nThreads, List<Row> rows)
            throws IOException, ai.onnxruntime.OrtException {
        if (f == Format.HF) {
            try (LoadedModel back = ModelLoader.load(dir.toString(), Device.cpu(), maxLength)) {
                rows.add(score("written directory (distill, fp32)", new SentenceEmbedder(back.encoder(),
                        back.tokenizer(), back.manager(), back.pooling(), true, batchSize), sts, true));
            }
        } else {
            try (TextTokenizer tok = TextTokenizer.load(dir.resolve("tokenizer.json"), maxLength)) {
                if (f == Format.ONNX_INT8) {
                    Path fp32 = dir.resolve(".fp32-reference.onnx");
                    OnnxExporter.export(m.encoder(), fp32, OnnxExporter.Precision.FLOAT32, Map.of());
                    try (OnnxRuntimeEmbedder e = new OnnxRuntimeEmbedder(fp32, tok, batchSize, nThreads)) {
                        rows.add(score("ONNX Runtime fp32", e, sts, false));
                    } finally {
                        Files.deleteIfExists(fp32);
                        Files.deleteIfExists(dir.resolve(".fp32-reference.onnx.data"));
                    }
                }
                String name = f == Format.ONNX ? "ONNX Runtime fp32 (model.onnx)" : "ONNX Runtime int8 (model.onnx)";
                try (OnnxRuntimeEmbedder e = new OnnxRuntimeEmbedder(dir.resolve("model.onnx"), tok, batchSize, nThreads)) {
                    rows.add(score(name, e, sts, true));
                }
            }
        }
    }

    private void refuseBeyondThreshold(List<Row> rows) {
        String refusal = refusal(rows, maxDrop);
        if (refusal != null) {
            print(rows);
            throw new IllegalStateException(refusal + "; nothing was written to " + out + ". Export fp32 (--format onnx)"
                    + " or raise --max-sts-drop if that loss is acceptable");
        }
    }

    /**
     * The gate's verdict: null when every exported row's STS mean is at most {@code maxDrop}
     * points below the first row (distill's encoder), else the message naming each failing row.
     */
    static String refusal(List<Row> rows, double maxDrop) {
        double ref = rows.get(0).mean();
        List<String> refused = new ArrayList<>();
        for (Row r : rows) {
            if (r.exported() && ref - r.mean() > maxDrop) {
                refused.add(String.format(Locale.ROOT, "%s scores STS mean %.2f, %.2f points below distill's %.2f",
                        r.name(), r.mean(), ref - r.mean(), ref));
            }
        }
        return refused.isEmpty() ? null : "export refused by the deployment gate: " + String.join("; ", refused)
                + String.format(Locale.ROOT, " (limit --max-sts-drop %.2f)", maxDrop);
    }

    private static Row score(String name, TextEmbedder e, StsEvaluator sts, boolean exported) {
        e.embed(sts.subsets().get(0).pairs().stream().limit(16).map(StsData.Pair::first).toList()); // warm-up
        long start = System.nanoTime();
        StsEvaluator.Result r = sts.evaluate(e);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Row(name, r.mean(), r.pooled(), 2 * r.pairs() / seconds, exported);
    }

    private static void print(List<Row> rows) {
        if (rows.isEmpty()) {
            System.out.println("no gate (--eval none): the written files were not re-scored");
            return;
        }
        double ref = rows.get(0).mean();
        double speedRef = rows.size() > 1 ? rows.get(1).sentencesPerSecond() : rows.get(0).sentencesPerSecond();
        System.out.printf(Locale.ROOT, "%-36s %8s %8s %7s %12s %9s%n", "model", "STS mean", "pooled", "lost",
                "sentences/s", "speed");
        for (Row r : rows) {
            double lost = ref - r.mean();
            System.out.printf(Locale.ROOT, "%-36s %8.2f %8.2f %7.2f %12.1f %8.2fx%n", r.name(), r.mean(), r.pooled(),
                    Math.abs(lost) < 0.005 ? 0.0 : lost, r.sentencesPerSecond(), r.sentencesPerSecond() / speedRef);
        }
        System.out.println("STS: Spearman x100 of cosine vs gold on SemEval STS 2012+2013 test; 'lost' = distill's encoder"
                + " minus the row; speed relative to the second row, tokenisation included, measured one after the"
                + " other in this process");
    }

    private void writeReport(Path dir, Format f, LoadedModel m, List<Row> rows, int nThreads) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("source", m.source());
        o.addProperty("format", f.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        o.addProperty("pooling", m.pooling().name().toLowerCase(Locale.ROOT));
        o.addProperty("parameters", m.encoder().parameterCount());
        JsonObject g = new JsonObject();
        g.addProperty("eval", eval);
        g.addProperty("max_sts_drop", maxDrop);
        g.addProperty("sts_pairs_per_subset", stsPairs == 0 ? "all" : Integer.toString(stsPairs));
        g.addProperty("onnxruntime_threads", nThreads);
        JsonArray a = new JsonArray();
        for (Row r : rows) {
            JsonObject ro = new JsonObject();
            ro.addProperty("name", r.name());
            ro.addProperty("sts_mean", r.mean());
            ro.addProperty("sts_pooled", r.pooled());
            ro.addProperty("sentences_per_second", r.sentencesPerSecond());
            ro.addProperty("exported", r.exported());
            a.add(ro);
        }
        g.add("rows", a);
        o.add("gate", g);
        Files.writeString(dir.resolve("export.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n", StandardCharsets.UTF_8);
    }
}
