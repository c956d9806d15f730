package dev.distill.examples.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.data.StsData;
import dev.distill.core.eval.StsEvaluator;
import dev.distill.examples.RunFiles;
import dev.distill.examples.TinyTeacher;
import dev.distill.examples.cli.DistillCli;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.losses.mapping.ResolvedMapping;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.inference.SentenceEmbedder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./distill embeddings}: the source-aligned layer mapping of {@code --layer-map auto}
 * against hand-written mappings, and the command end to end on a tiny setting.
 */
class EmbeddingsCommandTest {

    @TempDir
    Path tmp;

    /** Cosine distance 1 − cos between the rows of a and b, averaged. */
    private static double meanCosineDistance(float[][] a, float[][] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += 1 - StsEvaluator.cosine(a[i], b[i]);
        }
        return sum / a.length;
    }

    /**
     * The command end to end with a tiny random teacher (4 layers × 32, bge's tokenizer, mean
     * pooling) and a student that starts elsewhere: {@code --student-init}, another random 2 × 32
     * model (a copy of teacher layers would start almost exactly on the teacher, whose random layers
     * barely change their input). A few dozen steps on 2,000 of the real training texts, then STS
     * scoring, export and report. The test measures, itself, what the distillation is for on
     * sentences the training never saw (STS test sentences, which the corpus drops): the mean cosine
     * distance 1 − cos between the student's and the teacher's sentence embeddings (the pooled
     * cosine loss, equal widths, no projection), for the exported student against its untrained
     * start (the {@code --student-init} directory). With a random teacher STS Spearman against the
     * gold scores says nothing, so agreement with the teacher is the measure; the STS figures the
     * command wrote are checked for presence only.
     */
    @Test
    void aTinyRunBringsTheStudentCloserToTheTeacherOnHeldOutSentences() throws Exception {
        Path teacherDir = TinyTeacher.create(tmp.resolve("teacher"), 4, Pooling.MEAN);
        Path studentInit = TinyTeacher.create(tmp.resolve("student-init"), 2, Pooling.MEAN, 11);
        Path out = tmp.resolve("run");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new DistillCli()).execute("embeddings", "--teacher", teacherDir.toString(),
                    "--student-init", studentInit.toString(), "--steps", "40", "--batch-size", "16", "--max-length",
                    "32", "--lr", "1e-3", "--corpus-size", "2000", "--reference", "none", "--device", "cpu", "--out",
                    out.toString());
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        RunFiles.assertTrained(out, 40, "pooled_cosine", "hidden_mse", "embedding_mse", "attention_mse");
        JsonObject summary = JsonParser.parseString(Files.readString(out.resolve("summary.json"))).getAsJsonObject();
        assertTrue(summary.toString().contains("sts_mean") && summary.toString().contains("sts_pooled"), summary.toString());
        assertTrue(Files.isRegularFile(out.resolve("report.html")));

        List<String> heldOut = new ArrayList<>();
        for (StsData.Subset subset : StsEvaluator.semEvalTest().subsets()) {
            for (int i = 0; i < subset.pairs().size() && i < 40; i++) {
                heldOut.add(subset.pairs().get(i).first());
                heldOut.add(subset.pairs().get(i).second());
            }
        }
        try (LoadedModel teacher = ModelLoader.load(teacherDir.toString(), Device.cpu(), 128);
                LoadedModel start = ModelLoader.load(studentInit.toString(), Device.cpu(), 128);
                LoadedModel trained = ModelLoader.load(out.resolve("student").toString(), Device.cpu(), 128)) {
            float[][] t = new SentenceEmbedder(teacher.encoder(), teacher.tokenizer(), teacher.manager(),
                    teacher.pooling(), true, 32).embed(heldOut);
            float[][] before = new SentenceEmbedder(start.encoder(), start.tokenizer(), start.manager(),
                    start.pooling(), true, 32).embed(heldOut);
            float[][] after = new SentenceEmbedder(trained.encoder(), trained.tokenizer(), trained.manager(),
                    trained.pooling(), true, 32).embed(heldOut);
            double d0 = meanCosineDistance(before, t);
            double d1 = meanCosineDistance(after, t);
            System.out.printf(Locale.ROOT, "held-out cosine distance to the teacher (%d STS sentences):"
                    + " untrained %.5f, trained %.5f%n", heldOut.size(), d0, d1);
            assertTrue(d1 < 0.9 * d0, "the trained student (" + d1 + ") is not closer to the teacher than its"
                    + " untrained start (" + d0 + ") on held-out sentences");
        }
    }

    @Test
    void eachStudentLayerMeetsTheOutputOfItsSourceAndTheLastMeetsTheTeachersLast() {
        // DistilBERT-style copy of layers 0, 2, ..., 10 of 12: outputs 1, 3, 5, 7, 9, then 12 (not 11)
        assertArrayEquals(new int[] {1, 3, 5, 7, 9, 12},
                g(Students.everyOtherLayerSources(12), 12));
        // pruned, keeping the last layer: exactly the outputs of the kept layers
        assertArrayEquals(new int[] {9, 10, 11, 12}, g(new int[] {8, 9, 10, 11}, 12));
        // pruned by Block Influence alone (last layer dropped): the last still meets the teacher's output
        assertArrayEquals(new int[] {4, 9, 10, 12}, g(new int[] {3, 8, 9, 10}, 12));
        assertArrayEquals(new int[] {0, 2, 4}, Students.everyOtherLayerSources(6));
        assertArrayEquals(new int[] {0, 2, 4}, Students.everyOtherLayerSources(5));
    }

    private static int[] g(int[] sources, int teacherLayers) {
        ResolvedMapping r = LayerMapping.sourceAligned(sources, teacherLayers).resolve(sources.length, teacherLayers);
        int[] g = new int[sources.length];
        for (int m = 1; m <= sources.length; m++) {
            g[m - 1] = r.teacherLayerOf(m);
        }
        return g;
    }
}
