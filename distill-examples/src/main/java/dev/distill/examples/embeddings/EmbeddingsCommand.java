package dev.distill.examples.embeddings;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.initializer.Initializer;
import dev.distill.core.Devices;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.eval.StsEvaluator;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.NonFiniteLossException;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.examples.common.StsCache;
import dev.distill.examples.common.StsEvaluation;
import dev.distill.examples.common.UnlabelledCorpus;
import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunSummary;
import dev.distill.losses.EmbeddingLosses;
import dev.distill.losses.Projection;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.data.TextBatches;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Students;
import dev.distill.models.inference.Throughput;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.prune.PruneOrigin;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./distill embeddings}: general distillation of a sentence-embedding teacher
 * (bge-small-en-v1.5) into a smaller student on real unlabelled English, TinyBERT-style
 * (hidden-state, attention and embedding-layer MSE through a layer mapping) plus DistilBERT's
 * cosine loss on the pooled embedding; evaluated on STS 2012/2013 against the teacher and an
 * outside reference (all-MiniLM-L6-v2).
 */
@Command(name = "embeddings", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil a sentence-embedding teacher into a smaller student on real unlabelled English",
                "(WordNet glosses and usage sentences, newsgroup posts; STS test sentences removed) and",
                "report STS 2012/2013 Spearman, retention, parameter ratio and speed-up.",
                "Defaults finish in about 15-20 minutes on 2 CPU cores; for a GPU or a big machine try",
                "--steps 5000 --batch-size 64 --student tinybert4."})
public final class EmbeddingsCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingsCommand.class);

    /** Student shapes. */
    enum StudentKind {
        /** Half the teacher's layers, copied from teacher layers 0, 2, 4, ... (DistilBERT). */
        SIX_LAYER,
        /** TinyBERT-4: 4 layers × 312, 12 heads, FFN 1200, random initialisation, projections to the teacher's width. */
        TINYBERT4
    }

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Teacher: a known name, a Hugging Face directory or an .onnx file (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--student", defaultValue = "six-layer", paramLabel = "six-layer|tinybert4",
            description = "Student shape (default: ${DEFAULT-VALUE}).", converter = StudentConverter.class)
    StudentKind student;

    @Option(names = "--student-init", paramLabel = "<dir>",
            description = "Start the student from this Hugging Face directory (e.g. a pruned teacher from ./distill prune) instead.")
    Path studentInit;

    @Option(names = "--steps", defaultValue = "800", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "64", description = "Training texts truncated to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--corpus-size", defaultValue = "0", description = "Use at most N training texts, 0 for all (default: ${DEFAULT-VALUE}).")
    int corpusSize;

    @Option(names = "--w-cosine", defaultValue = "1.0", description = "Weight of the pooled-embedding cosine loss (default: ${DEFAULT-VALUE}).")
    double wCosine;

    @Option(names = "--w-similarity", defaultValue = "0", description = "Weight of the in-batch cosine-similarity matrix MSE on pooled embeddings (default: ${DEFAULT-VALUE}).")
    double wSimilarity;

    @Option(names = "--w-hidden", defaultValue = "0.1", description = "Weight of the hidden-state MSE over mapped layers (default: ${DEFAULT-VALUE}).")
    double wHidden;

    @Option(names = "--w-embedding", defaultValue = "0.1", description = "Weight of the embedding-layer MSE (default: ${DEFAULT-VALUE}).")
    double wEmbedding;

    @Option(names = "--w-attention", defaultValue = "0.0002", description = "Weight of the attention-score MSE (default: ${DEFAULT-VALUE}).")
    double wAttention;

    @Option(names = "--layer-map", defaultValue = "auto", paramLabel = "auto|uniform|<g1,g2,...>",
            description = {"Teacher layer g(m) compared with student layer m (1-based teacher outputs). auto: the output of",
                    "the teacher layer each student layer was copied or pruned from (six-layer: 1,3,5,7,9; a pruned",
                    "--student-init: its pruning.json), the last student layer always with the teacher's last;",
                    "other students: TinyBERT's uniform g(m) = m*N/M (default: ${DEFAULT-VALUE})."})
    String layerMap;

    @Option(names = "--projection-init", defaultValue = "auto", paramLabel = "auto|random",
            description = {"How the projections W (student width -> teacher width) start. auto: for a pruned",
                    "--student-init the channel selection it was cut with, else random N(0, 0.02^2) (default: ${DEFAULT-VALUE})."})
    String projectionInit;

    @Option(names = "--reference", defaultValue = "all-MiniLM-L6-v2", paramLabel = "<name|path|none>",
            description = "An outside model scored for comparison, or none (default: ${DEFAULT-VALUE}).")
    String reference;

    @Option(names = "--eval-every", defaultValue = "0", description = "Score STS every N steps during training, 0 for only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--out", defaultValue = "runs/embeddings", description = "Run directory; an existing run resumes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto", description = "Device for teacher and student (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--teacher-precision", defaultValue = "fp32", paramLabel = "fp32|fp16",
            converter = dev.distill.examples.common.TeacherPrecision.class,
            description = "Teacher's compute type during training; fp16 halves its memory, faster on a GPU only (default: ${DEFAULT-VALUE}).")
    ai.djl.ndarray.types.DataType teacherPrecision;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for data order, initialisation and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        String map = layerMap.trim().toLowerCase(Locale.ROOT);
        if (!map.equals("auto") && !map.equals("uniform")) {
            explicitLayerMap(); // refuse a malformed --layer-map before any work
        }
        String init = projectionInit.trim().toLowerCase(Locale.ROOT);
        if (!init.equals("auto") && !init.equals("random")) {
            throw new IllegalArgumentException("--projection-init '" + projectionInit + "' must be auto or random");
        }
        if (wCosine == 0 && wSimilarity == 0 && wHidden == 0 && wEmbedding == 0 && wAttention == 0) {
            throw new IllegalArgumentException("every loss weight (--w-cosine, --w-similarity, --w-hidden,"
                    + " --w-embedding, --w-attention) is 0; give at least one a positive weight");
        }
        Device dev = Devices.parse(device);
        StsEvaluator sts = StsEvaluator.semEvalTest();
        try (LoadedModel teacher = ModelLoader.load(teacherName, dev, 128);
                NDManager studentManager = NDManager.newBaseManager(dev);
                TextTokenizer trainTokenizer = teacher.tokenizer().withMaxLength(maxLength)) {
            Encoder teacherEncoder = teacher.encoder();
            EncoderConfig tc = teacherEncoder.config();

            UnlabelledCorpus.Texts corpus = UnlabelledCorpus.load(corpusSize, seed);
            LOG.info("corpus: {} texts ({} WordNet, {} newsgroup paragraphs); {} dropped as STS test sentences",
                    corpus.texts().size(), corpus.wordNet(), corpus.newsgroups(), corpus.droppedAsStsTest());
            ExampleBatchSource data = TextBatches.of(corpus.texts(), trainTokenizer, batchSize, seed);

            Encoder studentEncoder = buildStudent(teacherEncoder, studentManager);
            if (studentInit != null) { // the student reads the teacher's token ids: they must fit its tables
                try {
                    trainTokenizer.spec().checkFits(studentEncoder.config(), studentInit.resolve("config.json").toString());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--student-init " + studentInit + " cannot read the teacher's"
                            + " tokens (a student must share its teacher's vocabulary): " + e.getMessage(), e);
                }
            }
            LOG.info("teacher {}: {} parameters; student: {} parameters ({})", teacher.source(),
                    teacherEncoder.parameterCount(), studentEncoder.parameterCount(), studentEncoder.config());

            Optional<PruneOrigin> origin = studentInit == null ? Optional.empty() : PruneOrigin.read(studentInit);
            origin.filter(o -> o.teacherLayers() != tc.numLayers() || o.teacherHidden() != tc.hiddenSize())
                    .ifPresent(o -> LOG.warn("{} was pruned from a teacher of {} layers x {}, not this one ({} x {});"
                            + " it is ignored: the student starts with the uniform mapping and random projections",
                            studentInit.resolve(PruneOrigin.FILE), o.teacherLayers(), o.teacherHidden(),
                            tc.numLayers(), tc.hiddenSize()));
            LayerMapping mapping = layerMapping(origin, tc.numLayers());
            Initializer projectionStart = projectionInitializer(origin, tc, studentEncoder.config());
            LOG.info("layer mapping {}; {}", mapping, tc.hiddenSize() == studentEncoder.config().hiddenSize()
                    ? "no projections (equal widths)" : projectionStart == null ? "projections start random"
                    : "projections start as the pruned channel selection");
            // The main job's loss set (a library preset); terms of weight 0 are left out.
            DistillationLoss loss = EmbeddingLosses.builder().optMapping(mapping)
                    .optWeights(wCosine, wSimilarity, wHidden, wEmbedding, wAttention)
                    .optProjectionInitializer(projectionStart).build();
            TrainerConfig config = TrainerConfig.builder()
                    .setSteps(steps)
                    .optLearningRate(learningRate)
                    .optWarmupFraction(0.05)
                    .optSchedule(TrainerConfig.Schedule.LINEAR)
                    .optWeightDecay(0.01f)
                    .optClipNorm(1.0f)
                    .optLogInterval(10)
                    .optCheckpointInterval(Math.max(50, steps / 4))
                    .optEvalInterval(evalEvery > 0 ? evalEvery : 0)
                    .optKeepLast(2)
                    .optSeed(seed)
                    .optDevices(dev, dev)
                    .build();
            EncoderStudent student = new EncoderStudent(studentEncoder);
            EncoderTeacher frozenTeacher = EncoderTeacher.of(teacherEncoder, teacherPrecision);
            DistillationTrainer trainer = new DistillationTrainer(frozenTeacher, student, loss, config);
            if (evalEvery > 0) {
                trainer.setEvaluator(StsEvaluation.evaluator(sts, teacher.tokenizer(), teacher.pooling()));
            }
            long start = System.nanoTime();
            TrainingResult result = fitWithRetry(trainer, data);
            double trainMinutes = (System.nanoTime() - start) / 60e9;
            LOG.info("training: {} of {} steps in {} min", result.step(), result.totalSteps(),
                    String.format(Locale.ROOT, "%.1f", trainMinutes));

            HfDirectory.save(studentEncoder, teacher.tokenizer(), out.resolve("student"));

            List<String> speedTexts = new ArrayList<>();
            sts.subsets().forEach(s -> s.pairs().forEach(p -> speedTexts.add(p.first())));
            List<String> speedSample = speedTexts.subList(0, Math.min(512, speedTexts.size()));

            StsCache cache = new StsCache(out.toAbsolutePath().getParent().resolve(".sts-cache"));
            List<Row> rows = new ArrayList<>();
            rows.add(measure("teacher " + teacher.source(), RunSummary.Role.TEACHER, teacherEncoder, teacher, sts,
                    speedSample, cache, new EncoderTeacher(teacherEncoder).fingerprint())); // scored in fp32
            rows.add(measure("student " + studentName(), RunSummary.Role.STUDENT, studentEncoder, teacher, sts,
                    speedSample, null, null));
            if (!reference.equalsIgnoreCase("none")) {
                try (LoadedModel ref = ModelLoader.load(reference, dev, 128)) {
                    rows.add(measure("reference " + ref.source(), RunSummary.Role.REFERENCE, ref.encoder(), ref, sts,
                            speedSample, cache, new EncoderTeacher(ref.encoder()).fingerprint()));
                }
            }
            print(rows, corpus, result, trainMinutes);
            writeReport(rows, corpus, result, config);
            writeModelCard(rows, corpus, result, studentEncoder);
        }
        return 0;
    }

    /**
     * Trains, resuming once from the last good checkpoint if a non-finite value stops the run.
     * Every step is seeded from (seed, step), so a genuinely diverging run fails again at the
     * same step and the error is reported; a transient fault is survived and logged.
     */
    private TrainingResult fitWithRetry(DistillationTrainer trainer, ExampleBatchSource data) {
        try {
            return trainer.fit(data, out);
        } catch (NonFiniteLossException e) {
            LOG.warn("{}; retrying once from the last good checkpoint", e.getMessage());
            return trainer.fit(data, out);
        }
    }

    /**
     * {@code --layer-map}: an explicit list, uniform, or (auto) aligned with where the student's
     * layers came from: for a student copied or pruned from the teacher (every other layer, or a
     * pruned directory's {@code pruning.json}), layer m is compared with the output of the teacher
     * layer it was made from, g(m) = source(m) + 1, except the last, which is compared with the
     * teacher's last output (the one the sentence embedding is pooled from), g(M) = N. A student
     * of unknown origin gets TinyBERT's uniform g.
     */
    private LayerMapping layerMapping(Optional<PruneOrigin> origin, int teacherLayers) {
        String v = layerMap.trim().toLowerCase(Locale.ROOT);
        if (v.equals("uniform")) {
            return LayerMapping.uniform();
        }
        if (v.equals("auto")) {
            int[] sources = origin.filter(o -> o.teacherLayers() == teacherLayers).map(PruneOrigin::layers)
                    .orElse(studentInit == null && student == StudentKind.SIX_LAYER
                            ? Students.everyOtherLayerSources(teacherLayers) : null);
            return sources == null ? LayerMapping.uniform() : LayerMapping.sourceAligned(sources, teacherLayers);
        }
        return explicitLayerMap();
    }

    private LayerMapping explicitLayerMap() {
        try {
            return LayerMapping.explicit(Students.parseLayers(layerMap.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--layer-map '" + layerMap + "' is not auto, uniform or a list of"
                    + " increasing 1-based teacher layers such as 3,6,9,12: " + e.getMessage(), e);
        }
    }

    /** {@code --projection-init}: null for random, or the pruned channel selection. */
    private Initializer projectionInitializer(Optional<PruneOrigin> origin, EncoderConfig teacher,
            EncoderConfig student) {
        if (projectionInit.trim().equalsIgnoreCase("random")) {
            return null;
        }
        return origin.filter(o -> o.teacherHidden() == teacher.hiddenSize()
                        && o.channels().length == student.hiddenSize() && o.teacherHidden() != o.channels().length)
                .map(o -> Projection.fromMatrix(o.teacherHidden(), o.channels().length, o.selectionMatrix()))
                .orElse(null);
    }

    private Encoder buildStudent(Encoder teacher, NDManager manager) {
        if (studentInit != null) {
            return HfDirectory.load(studentInit, manager).encoder();
        }
        EncoderConfig tc = teacher.config();
        switch (student) {
            case SIX_LAYER:
                return Students.everyOtherLayer(teacher, null, manager, seed);
            case TINYBERT4:
                EncoderConfig c = EncoderConfig.tinyBert4().toBuilder().setVocabSize(tc.vocabSize())
                        .optMaxPositions(tc.maxPositions()).optTypeVocabSize(tc.typeVocabSize())
                        .optLayerNormEps(tc.layerNormEps()).optHiddenAct(tc.hiddenAct()).build();
                return Students.fromConfig(c, teacher.pooling(), null, manager, seed);
            default:
                throw new IllegalStateException("unknown student " + student);
        }
    }

    private String studentName() {
        if (studentInit != null) {
            return "from " + studentInit;
        }
        return student == StudentKind.SIX_LAYER ? "6-layer (teacher layers 0,2,...)" : "TinyBERT-4 (random init)";
    }

    private record Row(String name, RunSummary.Role role, long parameters, StsEvaluator.Result sts,
            Throughput.Result speed) {}

    /** Scores STS (through {@code cache} for frozen models, when given) and measures speed. */
    private static Row measure(String name, RunSummary.Role role, Encoder encoder, LoadedModel tokenizerOwner,
            StsEvaluator sts, List<String> speedSample, StsCache cache, String fingerprint) {
        LOG.info("scoring {} on STS ...", name);
        java.util.function.Supplier<StsEvaluator.Result> score = () -> StsEvaluation.score(sts, encoder,
                tokenizerOwner.tokenizer(), tokenizerOwner.manager(), encoder.pooling());
        StsEvaluator.Result r = cache == null ? score.get() : cache.get(fingerprint, score);
        Throughput.Result speed = Throughput.measure(encoder, tokenizerOwner.tokenizer(), tokenizerOwner.manager(),
                speedSample, 32, 3);
        return new Row(name, role, encoder.parameterCount(), r, speed);
    }

    private void print(List<Row> rows, UnlabelledCorpus.Texts corpus, TrainingResult result, double minutes) {
        Row t = rows.get(0);
        System.out.printf(Locale.ROOT, "%n%-44s %12s %9s %9s %10s %9s %10s %9s%n", "model", "parameters", "STS mean",
                "pooled", "retention", "params", "sent/s", "speed-up");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-44s %,12d %9.2f %9.2f %9.1f%% %8.2fx %10.0f %8.2fx%n", r.name(),
                    r.parameters(), r.sts().mean(), r.sts().pooled(), 100 * r.sts().mean() / t.sts().mean(),
                    (double) r.parameters() / t.parameters(), r.speed().sentencesPerSecond(),
                    r.speed().sentencesPerSecond() / t.speed().sentencesPerSecond());
        }
        System.out.printf(Locale.ROOT, "%ntrained %d steps in %.1f min on %,d texts (%d dropped as STS test sentences);"
                + " student exported to %s; report: %s%n", result.step(), minutes, corpus.texts().size(),
                corpus.droppedAsStsTest(), out.resolve("student"), out.resolve("report.html"));
    }

    private void writeReport(List<Row> rows, UnlabelledCorpus.Texts corpus, TrainingResult result, TrainerConfig config)
            throws java.io.IOException {
        RunSummary.Builder b = RunSummary.builder(teacherName + " → " + studentName())
                .command(commandLine())
                .notes(String.format(Locale.ROOT, "%,d training texts (WordNet glosses and usages, newsgroup paragraphs);"
                        + " %d dropped as STS test sentences. Trained %d steps. STS: SemEval 2012 + 2013 test,"
                        + " Spearman x100 of cosine similarity; speed: %d STS sentences, batch 32, median of 3 passes.",
                        corpus.texts().size(), corpus.droppedAsStsTest(), result.step(), 512));
        for (Row r : rows) {
            b.model(RunSummary.Model.builder(r.name(), r.role()).parameters(r.parameters()).sizeBytes(r.parameters() * 4)
                    .latencyMs(r.speed().msPerBatch()).sentencesPerSecond(r.speed().sentencesPerSecond())
                    .metric("sts_mean", r.sts().mean()).metric("sts_pooled", r.sts().pooled()).build());
        }
        java.util.Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("steps", steps);
        c.put("batch_size", batchSize);
        c.put("max_length", maxLength);
        c.put("lr", learningRate);
        c.put("w_cosine", wCosine);
        c.put("w_similarity", wSimilarity);
        c.put("w_hidden", wHidden);
        c.put("w_embedding", wEmbedding);
        c.put("w_attention", wAttention);
        c.put("layer_map", layerMap);
        c.put("projection_init", projectionInit);
        c.put("student_init", studentInit == null ? "none" : studentInit.toString());
        c.put("seed", seed);
        b.config(c);
        ReportWriter.write(out, b.build());
    }

    /** The student directory's README.md: teacher, data, recipe and this run's measured figures. */
    private void writeModelCard(List<Row> rows, UnlabelledCorpus.Texts corpus, TrainingResult result,
            Encoder studentEncoder) throws java.io.IOException {
        java.util.Map<String, String> figures = new java.util.LinkedHashMap<>();
        Row t = rows.get(0);
        for (Row r : rows) {
            figures.put(r.name() + ": STS mean / pooled (Spearman x100, SemEval 2012+2013 test)", String.format(Locale.ROOT,
                    "%.2f / %.2f (%.1f%% of the teacher's mean)", r.sts().mean(), r.sts().pooled(),
                    100 * r.sts().mean() / t.sts().mean()));
        }
        Row s = rows.get(1);
        figures.put("student speed (512 STS sentences, batch 32, median of 3, same process as the teacher)",
                String.format(Locale.ROOT, "%.0f sentences/s, %.2fx the teacher", s.speed().sentencesPerSecond(),
                        s.speed().sentencesPerSecond() / t.speed().sentencesPerSecond()));
        new dev.distill.models.io.ModelCard(teacherName + " student, " + studentName(), teacherName,
                String.format(Locale.ROOT, "%,d unlabelled English texts (WordNet 3.1 glosses and usage sentences,"
                        + " 20-Newsgroups posts); %d texts equal to an STS test sentence dropped", corpus.texts().size(),
                        corpus.droppedAsStsTest()),
                String.format(Locale.ROOT, "`%s` (%d steps)", commandLine(), result.step()), figures,
                dev.distill.models.io.HfDirectory.describe(studentEncoder)).write(out.resolve("student"));
    }

    /** The command line that reproduces this run (the options that differ from their defaults, and the budget). */
    private String commandLine() {
        StringBuilder c = new StringBuilder("./distill embeddings");
        if (!teacherName.equals("bge-small-en-v1.5")) {
            c.append(" --teacher ").append(teacherName);
        }
        c.append(studentInit != null ? " --student-init " + studentInit
                : " --student " + student.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        c.append(" --steps ").append(steps).append(" --batch-size ").append(batchSize);
        if (wSimilarity != 0) {
            c.append(" --w-similarity ").append(wSimilarity);
        }
        if (!layerMap.equals("auto")) {
            c.append(" --layer-map ").append(layerMap);
        }
        if (!projectionInit.equals("auto")) {
            c.append(" --projection-init ").append(projectionInit);
        }
        if (teacherPrecision != ai.djl.ndarray.types.DataType.FLOAT32) {
            c.append(" --teacher-precision fp16");
        }
        return c.toString();
    }

    /** Parses six-layer / tinybert4. */
    static final class StudentConverter implements picocli.CommandLine.ITypeConverter<StudentKind> {
        @Override
        public StudentKind convert(String value) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "six-layer":
                case "6-layer":
                case "six_layer":
                    return StudentKind.SIX_LAYER;
                case "tinybert4":
                case "tinybert-4":
                    return StudentKind.TINYBERT4;
                default:
                    throw new IllegalArgumentException("student '" + value + "' is unknown; use six-layer or tinybert4");
            }
        }
    }
}
