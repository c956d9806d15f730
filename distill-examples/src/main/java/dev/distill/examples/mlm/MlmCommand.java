package dev.distill.examples.mlm;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.CacheReplayTeacher;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.examples.cli.DeviceOption;
import dev.distill.examples.cli.ProgressBar;
import dev.distill.examples.common.UnlabelledCorpus;
import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunSummary;
import dev.distill.losses.CachedTopKSource;
import dev.distill.losses.HardLabelLoss;
import dev.distill.losses.HiddenStateLoss;
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
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.MlmHeadFitter;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderTeacher;
import dev.distill.models.train.MaskedLmStudent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./distill mlm}: DistilBERT-style masked-LM distillation from a teacher-output cache of
 * the teacher's top-k predictions.
 *
 * <ol>
 *   <li>bge-small ships without an MLM head: fit one on the frozen teacher ({@link MlmHeadFitter},
 *       decoder tied to the word embeddings), cache it in the run directory, and score the
 *       teacher's masked-token accuracy on held-out text.
 *   <li>Build the top-k cache of the teacher + head over the masked distillation texts
 *       ({@link TopKCacheBuilder} via {@link MlmTeacher}); compare its size with full-vocabulary
 *       storage.
 *   <li>Distil into a student of every other teacher layer plus a copy of the fitted head:
 *       w_soft·KL(top-k teacher ‖ student) on masked positions, the teacher's mass outside its top k
 *       kept as one "other" outcome (T = 1) or renormalised away (any T)
 *       ({@link TopKSoftTargetLoss} + {@link CachedTopKSource}) + w_mlm·cross-entropy on the
 *       masked tokens, and optionally w_cos·(1 − cos) between last hidden states, whose teacher
 *       side the cache then stores too (fp16, every token) and {@link CacheReplayTeacher}
 *       replays: the teacher never runs during training, unless {@code --cosine-from teacher}
 *       asks for its hidden states online.
 *   <li>Score student and teacher on the same held-out masked text.
 * </ol>
 */
@Command(name = "mlm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Masked-LM distillation from a top-k teacher cache (DistilBERT's losses).",
                "Fits an MLM head on the frozen teacher (bge-small has none; its decoder is",
                "tied to the word embeddings), caches the teacher's top-k predictions at the",
                "masked positions, distils a 6-layer student (teacher layers 0,2,...,10 plus",
                "the fitted head) from the cache, and reports cache size against full-",
                "vocabulary storage and masked-token accuracy and perplexity of teacher and",
                "student on held-out text. Defaults: 5-15 minutes on 2 CPU cores, depending",
                "on other load. For a GPU: --distill-texts 50000 --head-texts 20000",
                "--steps 3000 --batch-size 64."})
public final class MlmCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MlmCommand.class);

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Teacher: a known name, a Hugging Face directory or an .onnx file (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--student-layers", defaultValue = "", paramLabel = "<list>",
            description = "Teacher layers the student copies, e.g. 0,4,8 (default: every other layer, 0,2,4,...).")
    String studentLayers;

    @Option(names = "--corpus", paramLabel = "<file.txt>",
            description = "Use this file (one text per line, taken as given) instead of the default corpus"
                    + " (WordNet glosses and usages and newsgroup paragraphs, STS test sentences removed).")
    Path corpusFile;

    @Option(names = "--eval-texts", defaultValue = "800", description = "Held-out texts for masked-token accuracy (default: ${DEFAULT-VALUE}).")
    int evalTexts;

    @Option(names = "--head-texts", defaultValue = "6000", description = "Texts the MLM head is fitted on (default: ${DEFAULT-VALUE}).")
    int headTexts;

    @Option(names = "--head-steps", defaultValue = "300", description = "Optimiser steps of the head fit (default: ${DEFAULT-VALUE}).")
    int headSteps;

    @Option(names = "--head-rows", defaultValue = "256", description = "Masked positions per head-fit step (default: ${DEFAULT-VALUE}).")
    int headRows;

    @Option(names = "--head-lr", defaultValue = "3e-3", description = "Peak learning rate of the head fit (default: ${DEFAULT-VALUE}).")
    float headLr;

    @Option(names = "--distill-texts", defaultValue = "3000", description = "Texts cached and distilled on (default: ${DEFAULT-VALUE}).")
    int distillTexts;

    @Option(names = "--k", defaultValue = "32", description = "Teacher tokens kept per masked position (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--max-length", defaultValue = "48", description = "Texts truncated to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--steps", defaultValue = "150", description = "Distillation steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--temperature", defaultValue = "1", description = "Soft-target temperature T; DistilBERT uses 2,"
            + " which needs --tail renormalize (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--tail", defaultValue = "bucket", paramLabel = "renormalize|bucket",
            description = "The teacher's mass outside its top k: renormalize the k probabilities (exact at any"
                    + " temperature), or keep it as one \"other\" outcome on both sides (needs --temperature 1)"
                    + " (default: ${DEFAULT-VALUE}).")
    String tail;

    @Option(names = "--w-soft", defaultValue = "5", description = "Weight of the top-k soft-target KL (default: ${DEFAULT-VALUE}).")
    double wSoft;

    @Option(names = "--w-mlm", defaultValue = "2", description = "Weight of the masked-LM cross-entropy (default: ${DEFAULT-VALUE}).")
    double wMlm;

    @Option(names = "--w-cosine", defaultValue = "0", description = "Weight of DistilBERT's cosine loss between the last hidden states;"
            + " > 0 also stores the teacher's last hidden state per token in the cache (default: ${DEFAULT-VALUE}).")
    double wCosine;

    @Option(names = "--cosine-from", defaultValue = "cache", paramLabel = "cache|teacher",
            description = "Where the cosine loss gets the teacher's last hidden states: replayed from the cache (fp16,"
                    + " the teacher never runs in training) or from the teacher run online every step"
                    + " (default: ${DEFAULT-VALUE}).")
    String cosineFrom;

    @Option(names = "--eval-every", defaultValue = "0", description = "Score the student every N steps, 0 for only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--out", defaultValue = "runs/mlm", description = "Run directory; an existing run resumes and reuses its head and cache (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    DeviceOption device;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for the corpus split, masking and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (evalTexts < 1 || headTexts < 1 || distillTexts < 1 || k < 1 || steps < 1 || batchSize < 1 || maxLength < 4
                || headSteps < 1 || headRows < 1 || !(temperature > 0) || wSoft < 0 || wMlm < 0 || wCosine < 0) {
            throw new IllegalArgumentException("--eval-texts, --head-texts, --distill-texts, --k, --steps,"
                    + " --batch-size, --head-steps, --head-rows and --temperature must be positive, --max-length at"
                    + " least 4 and the weights non-negative");
        }
        cosineOnline(); // fails on an unknown --cosine-from
        if (truncatedMass() == TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET && temperature != 1) {
            throw new IllegalArgumentException("--tail bucket needs --temperature 1 (got " + temperature + "): the"
                    + " tail's mass at another temperature cannot be derived from the cached temperature-1"
                    + " probabilities; use --tail renormalize for T != 1");
        }
        Device dev = device.device();
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        try (LoadedModel loaded = ModelLoader.load(teacherName, dev, 128);
                TextTokenizer tok = loaded.tokenizer().withMaxLength(maxLength);
                NDManager studentManager = NDManager.newBaseManager(dev)) {
            Encoder teacher = loaded.encoder();
            EncoderTeacher frozen = new EncoderTeacher(teacher); // freezes the encoder, fingerprints its weights
            int vocab = teacher.config().vocabSize();
            long padId = teacher.config().padTokenId();
            long maskId = tok.tokenId("[MASK]");

            // Data: one shuffled corpus, cut into held-out / head-fit / distillation texts.
            UnlabelledCorpus.Texts corpus = corpusFile == null ? UnlabelledCorpus.load(0, seed) : fromFile(corpusFile);
            int need = evalTexts + headTexts + distillTexts;
            if (need > corpus.texts().size()) {
                throw new IllegalArgumentException("--eval-texts + --head-texts + --distill-texts = " + need
                        + " exceeds the corpus's " + corpus.texts().size() + " texts; ask for fewer");
            }
            TextPipeline pipeline = TextPipeline.unlabelled(tok);
            MaskedSet heldOut = set(corpus.texts().subList(0, evalTexts), pipeline, maskId, vocab, seed + 1, padId);
            MaskedSet headSet = set(corpus.texts().subList(evalTexts, evalTexts + headTexts), pipeline, maskId, vocab,
                    seed + 2, padId);
            MaskedSet distillSet = set(corpus.texts().subList(evalTexts + headTexts, need), pipeline, maskId, vocab,
                    seed, padId);
            System.out.printf(Locale.ROOT, "corpus: %,d texts (%s; %d"
                    + " dropped as STS test sentences): %d held out (%,d masked tokens), %d for the head, %d cached"
                    + " and distilled (%,d masked tokens)%n", corpus.texts().size(), corpusFile == null
                    ? "WordNet glosses and usages, newsgroup paragraphs" : corpusFile.toString(), corpus.droppedAsStsTest(),
                    evalTexts, heldOut.predictedPositions(), headTexts, distillTexts, distillSet.predictedPositions());
            seconds.put("load", lap(t0));

            // 1. The MLM head on the frozen teacher.
            long s1 = System.nanoTime();
            MlmHeadFitter.Settings hs = new MlmHeadFitter.Settings(headSteps, headRows, headLr, 0.01f, seed);
            Map<String, String> provenance = MlmHeadFitter.provenance(frozen.fingerprint(),
                    CacheFingerprint.dataHash(headSet.cacheExamples()), hs);
            Path headDir = out.resolve("mlm-head");
            MlmHeadFitter.Obtained obtained = MlmHeadFitter.fitOrLoad(teacher, provenance, headSet, hs, headDir,
                    loaded.manager(), 25, LOG::info);
            MaskedLmHead head = obtained.head();
            boolean headReused = obtained.reused();
            seconds.put("head", lap(s1));
            MaskedLmHead fitted = head;
            long s2 = System.nanoTime();
            MaskedLmScore.Result teacherScore = MaskedLmScore.score(b -> MaskedLmStudent.logitsAtLabels(
                    teacher.forward(b.withoutLabels(), false).lastHiddenState(), b.labels(), fitted,
                    teacher.wordEmbeddings().getArray()), heldOut, loaded.manager());
            seconds.put("teacher_eval", lap(s2));
            System.out.printf(Locale.ROOT, "MLM head %s: teacher masked-token accuracy %.1f%%, perplexity %.1f on %,d"
                    + " held-out masked tokens%n", headReused ? "reused from " + headDir : "fitted", 100
                    * teacherScore.accuracy(), teacherScore.perplexity(), teacherScore.tokens());

            // 2. The top-k cache of teacher + head over the masked distillation texts.
            long s3 = System.nanoTime();
            MlmTeacher mlm = new MlmTeacher(teacher, fitted, false);
            CacheFingerprint fp = CacheFingerprint.of(mlm.weightsHash(), MlmTeacher.tokenizerHash(tok),
                    distillSet.cacheExamples(), maxLength, k, seed);
            boolean hiddenFromCache = wCosine > 0 && !cosineOnline();
            if (hiddenFromCache) {
                fp = fp.withHiddenLayers(List.of(teacher.config().numLayers())); // the last hidden state
            }
            Path cacheDir = out.resolve("cache");
            ProgressBar bar = new ProgressBar(System.err, "cached");
            TopKCacheBuilder.Result built = TopKCacheBuilder.builder(cacheDir, mlm, loaded.manager(), vocab)
                    .optBatchSize(32).optExamplesPerShard(1024).optPadId(padId)
                    .optHiddenDim(hiddenFromCache ? teacher.config().hiddenSize() : 0)
                    .optProgress((done, total, pos) -> bar.update(done, total, String.format(Locale.ROOT,
                            "%,d positions", pos)))
                    .build().build(distillSet.cacheExamples(), fp);
            seconds.put("cache", lap(s3));
            TopKCache cache = TopKCache.open(cacheDir, fp);
            double fullBytes = (double) built.positions() * vocab * 4;
            System.out.printf(Locale.ROOT, "cache: %,d masked positions, k = %d: %,d bytes (%.1f per position);"
                    + " full-vocabulary fp32 would be %,.0f bytes (%,d per position): %.0fx smaller%n",
                    built.positions(), k, built.bytes(), built.bytesPerPosition(), fullBytes, 4L * vocab,
                    fullBytes / built.bytes());

            // 3. The student: every other teacher layer + a copy of the fitted head, distilled from the cache.
            Encoder studentEncoder = studentLayers.isBlank() ? Students.everyOtherLayer(teacher, null, studentManager,
                    seed) : Students.fromTeacherLayers(teacher, Students.parseLayers(studentLayers), null,
                    studentManager, seed);
            MaskedLmStudent student = new MaskedLmStudent(studentEncoder, copy(fitted, teacher, studentManager));
            long s4 = System.nanoTime();
            MaskedLmScore.Result before = MaskedLmScore.score(b -> student.forward(b, false).logits(), heldOut,
                    studentManager);
            seconds.put("student_eval_before", lap(s4));

            CachedMlmBatches data = new CachedMlmBatches(distillSet, batchSize, seed);
            WeightedSumLoss.Builder lb = WeightedSumLoss.builder()
                    .add("soft_topk", wSoft, TopKSoftTargetLoss.builder(new CachedTopKSource(cache, data::examplesOf))
                            .optTemperature(temperature).optPositions(Positions.LABELLED_TOKENS)
                            .optTruncatedMass(truncatedMass()).build())
                    .add("mlm", wMlm, new HardLabelLoss("mlm", HardLabelLoss.Task.MASKED_LM));
            if (wCosine > 0) {
                lb.add("hidden_cosine", wCosine, HiddenStateLoss.distilBertCosine());
            }
            DistillationLoss loss = lb.build();
            FrozenTeacher trainerTeacher = wCosine > 0 && cosineOnline() ? frozen
                    : new CacheReplayTeacher(cache, teacher.dims(), data::examplesOf, dev);
            TrainerConfig config = TrainerConfig.builder()
                    .setSteps(steps)
                    .optLearningRate(learningRate)
                    .optWarmupFraction(0.05)
                    .optSchedule(TrainerConfig.Schedule.LINEAR)
                    .optWeightDecay(0.01f)
                    .optClipNorm(1.0f)
                    .optLogInterval(10)
                    .optCheckpointInterval(Math.max(50, steps / 3))
                    .optEvalInterval(evalEvery)
                    .optKeepLast(2)
                    .optSeed(seed)
                    .optDevices(dev, dev)
                    .build();
            DistillationTrainer trainer = new DistillationTrainer(trainerTeacher, student, loss, config);
            trainer.setEvaluator(MaskedLmScore.evaluator(heldOut));
            long s5 = System.nanoTime();
            TrainingResult result = trainer.fit(data, out);
            seconds.put("distill", lap(s5));
            MaskedLmScore.Result after = result.lastEvaluation() != null
                    ? fromEvaluation(result.lastEvaluation().metrics(), before.tokens())
                    : MaskedLmScore.score(b -> student.forward(b, false).logits(), heldOut, studentManager);

            HfDirectory.save(student.toEncoderWithHead(studentManager), loaded.tokenizer(), out.resolve("student"));
            long teacherParams = teacher.parameterCount() + headParameters(fitted);
            long studentParams = studentEncoder.parameterCount() + headParameters(student.head());
            double total = lap(t0);
            print(teacherParams, studentParams, teacherScore, before, after, built, vocab, result, seconds, total,
                    wCosine > 0 && cosineOnline());
            writeReport(teacherParams, studentParams, teacherScore, before, after, built, vocab, result, corpus,
                    headReused, seconds);
        }
        return 0;
    }

    private boolean cosineOnline() {
        switch (cosineFrom.trim().toLowerCase(Locale.ROOT)) {
            case "cache":
                return false;
            case "teacher":
                return true;
            default:
                throw new IllegalArgumentException("--cosine-from '" + cosineFrom + "' is unknown; use cache (the"
                        + " teacher's last hidden states stored in the cache) or teacher (run online every step)");
        }
    }

    private TopKSoftTargetLoss.TruncatedMass truncatedMass() {
        switch (tail.trim().toLowerCase(Locale.ROOT)) {
            case "renormalize":
                return TopKSoftTargetLoss.TruncatedMass.RENORMALIZE;
            case "bucket":
                return TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET;
            default:
                throw new IllegalArgumentException("--tail '" + tail + "' is unknown; use renormalize or bucket");
        }
    }

    /** The lines of a text file, in order (blank lines skipped). */
    static UnlabelledCorpus.Texts fromFile(Path file) throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--corpus " + file + " is not a file; give a text file with one text per"
                    + " line");
        }
        List<String> texts = new ArrayList<>();
        // file:line on a line that is not UTF-8 (a DataException), not a bare "Input length = 1"
        try (dev.distill.core.data.RecordStream<dev.distill.core.data.TextExample> lines =
                dev.distill.core.data.TextLines.open(file, dev.distill.core.data.ErrorPolicy.FAIL)) {
            lines.forEachRemaining(t -> texts.add(t.text()));
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("--corpus " + file + " holds no text (only blank lines); give a text"
                    + " file with one text per line");
        }
        return new UnlabelledCorpus.Texts(texts, 0, 0, 0);
    }

    private static double lap(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static MaskedSet set(List<String> texts, TextPipeline pipeline, long maskId, int vocab, long maskSeed,
            long padId) {
        return MaskedSet.fromTexts(texts, pipeline, MlmMasker.builder(maskId, vocab).optSeed(maskSeed).build(), padId,
                64);
    }

    /** A copy of {@code head}'s values in a new head on {@code manager}. */
    private static MaskedLmHead copy(MaskedLmHead head, Encoder teacher, NDManager manager) {
        MaskedLmHead c = new MaskedLmHead(teacher.config());
        List<Parameter> src = head.parameters();
        List<Parameter> dst = c.parameters();
        for (int i = 0; i < dst.size(); i++) {
            float[] v = src.get(i).getArray().toFloatArray();
            dst.get(i).setInitializer((m, shape, type) -> m.create(v, shape));
            dst.get(i).initialize(manager, DataType.FLOAT32);
        }
        return c;
    }

    private static long headParameters(MaskedLmHead head) {
        long n = 0;
        for (Parameter p : head.parameters()) {
            n += p.getShape().size();
        }
        return n;
    }

    private static MaskedLmScore.Result fromEvaluation(Map<String, Double> m, long tokens) {
        return new MaskedLmScore.Result(m.get("mlm_accuracy"), m.get("perplexity"), m.get("mlm_loss"), tokens);
    }

    private void print(long tp, long sp, MaskedLmScore.Result teacher, MaskedLmScore.Result before,
            MaskedLmScore.Result after, TopKCacheBuilder.Result cache, int vocab, TrainingResult result,
            Map<String, Double> seconds, double total, boolean online) {
        System.out.printf(Locale.ROOT, "%n%-44s %12s %8s %12s %11s%n", "model (held-out masked tokens)", "parameters",
                "params", "accuracy", "perplexity");
        System.out.printf(Locale.ROOT, "%-44s %,12d %7.2fx %11.1f%% %11.1f%n", "teacher " + teacherName
                + " + fitted head", tp, 1.0, 100 * teacher.accuracy(), teacher.perplexity());
        System.out.printf(Locale.ROOT, "%-44s %,12d %7.2fx %11.1f%% %11.1f%n", "student before distillation", sp,
                (double) sp / tp, 100 * before.accuracy(), before.perplexity());
        System.out.printf(Locale.ROOT, "%-44s %,12d %7.2fx %11.1f%% %11.1f%n", "student after " + result.step()
                + " steps", sp, (double) sp / tp, 100 * after.accuracy(), after.perplexity());
        System.out.printf(Locale.ROOT, "%nstudent/teacher accuracy: %.1f%%; %,d held-out masked tokens%n",
                100 * after.accuracy() / teacher.accuracy(), teacher.tokens());
        double full = (double) cache.positions() * vocab * 4;
        System.out.printf(Locale.ROOT, "top-%d cache%s: %,d bytes for %,d masked positions (%.1f bytes each);"
                + " full-vocabulary fp32: %,.0f bytes (%,d each), %.0fx larger%n", k, wCosine > 0 && !online
                ? " with the last hidden state of every token" : "", cache.bytes(), cache.positions(),
                cache.bytesPerPosition(), full, 4L * vocab, full / cache.bytes());
        System.out.printf(Locale.ROOT, "training: %s; losses %s%n", online ? "teacher run online for the hidden-state"
                + " cosine, soft targets from the cache" : wCosine > 0 ? "purely from the cache (the teacher did not run;"
                + " its last hidden states replayed from the cache for the cosine)" : "purely from the cache (the"
                + " teacher did not run)", lossDescription());
        StringBuilder sb = new StringBuilder();
        seconds.forEach((name, s) -> sb.append(String.format(Locale.ROOT, "%s %.0f s, ", name, s)));
        System.out.printf(Locale.ROOT, "time: %stotal %.1f min; student exported to %s; report: %s%n", sb, total / 60,
                out.resolve("student"), out.resolve("report.html"));
    }

    private String lossDescription() {
        return String.format(Locale.ROOT, "%s·KL_top%d%s(T=%s) + %s·MLM%s", fmt(wSoft), k,
                truncatedMass() == TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET ? "+other" : "", fmt(temperature), fmt(wMlm),
                wCosine > 0 ? " + " + fmt(wCosine) + "·cos" : "");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private void writeReport(long tp, long sp, MaskedLmScore.Result teacher, MaskedLmScore.Result before,
            MaskedLmScore.Result after, TopKCacheBuilder.Result cache, int vocab, TrainingResult result,
            UnlabelledCorpus.Texts corpus, boolean headReused, Map<String, Double> seconds) throws java.io.IOException {
        RunSummary.Builder b = RunSummary.builder("Masked-LM distillation from a top-" + k + " cache: " + teacherName
                + " → " + (studentLayers.isBlank() ? "every other layer" : "layers " + studentLayers))
                .command("./distill mlm --steps " + steps + " --batch-size " + batchSize + " --distill-texts "
                        + distillTexts + " --k " + k + (wCosine > 0 ? " --w-cosine " + wCosine : ""))
                .notes(String.format(Locale.ROOT, "Corpus: WordNet glosses and usages and newsgroup paragraphs, STS"
                        + " test sentences removed; %d held-out texts (%,d masked tokens), %d for the MLM head (%s), %d"
                        + " cached and distilled. Cache: %,d positions, %,d bytes (%.1f per position) against %,.0f"
                        + " bytes of full-vocabulary fp32. Loss: %s. Trained %d steps.", evalTexts, teacher.tokens(),
                        headTexts, headReused ? "reused" : "fitted", distillTexts, cache.positions(), cache.bytes(),
                        cache.bytesPerPosition(), (double) cache.positions() * vocab * 4, lossDescription(),
                        result.step()));
        b.model(model("teacher + fitted MLM head", RunSummary.Role.TEACHER, tp, teacher));
        b.model(model("student before distillation", RunSummary.Role.REFERENCE, sp, before));
        b.model(model("student", RunSummary.Role.STUDENT, sp, after));
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("k", k);
        cfg.put("temperature", temperature);
        cfg.put("w_soft", wSoft);
        cfg.put("w_mlm", wMlm);
        cfg.put("w_cosine", wCosine);
        cfg.put("steps", steps);
        cfg.put("batch_size", batchSize);
        cfg.put("lr", learningRate);
        cfg.put("max_length", maxLength);
        cfg.put("head_steps", headSteps);
        cfg.put("seed", seed);
        seconds.forEach((name, s) -> cfg.put("seconds_" + name, String.format(Locale.ROOT, "%.0f", s)));
        b.config(cfg);
        ReportWriter.write(out, b.build());
    }

    private static RunSummary.Model model(String name, RunSummary.Role role, long params, MaskedLmScore.Result r) {
        return RunSummary.Model.builder(name, role).parameters(params).sizeBytes(params * 4)
                .metric("mlm_accuracy", r.accuracy()).metric("perplexity", r.perplexity()).build();
    }
}
