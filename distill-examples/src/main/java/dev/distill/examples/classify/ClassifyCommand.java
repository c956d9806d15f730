// Over 400 lines: the classify example's options, policy and printing in one command (490 lines
// of code); moving policy into the library and making commands thin aliases is issue 12.
package dev.distill.examples.classify;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.eval.Evaluators;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.examples.cli.DeviceOption;
import dev.distill.examples.common.ExampleEvalData;
import dev.distill.examples.common.FittedMlmHead;
import dev.distill.examples.common.FineTunedModel;
import dev.distill.examples.common.FineTunedTeacherPrecision;
import dev.distill.examples.common.UnlabelledCorpus;
import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunSummary;
import dev.distill.losses.AttentionLoss;
import dev.distill.losses.HardLabelLoss;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.LogitsLayout;
import dev.distill.losses.SoftTargetLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.augment.TinyBertAugmenter;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.MlmHeadFitter;
import dev.distill.models.inference.Throughput;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.io.IOException;
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
 * {@code ./distill classify}: task-specific distillation of a topic classifier on 3-newsgroups.
 *
 * <ol>
 *   <li>Teacher: bge-small-en-v1.5 with a {@link ClassificationHead}, fine-tuned here with hard
 *       labels (cross-entropy), cached in {@code <out>/teacher} as a Hugging Face directory so a
 *       re-run loads it.</li>
 *   <li>Student: 6 layers copied from the fine-tuned teacher's layers 0, 2, …, 10 (DistilBERT's
 *       initialisation; head copied too), or TinyBERT-4 (random, 312 wide, projections), distilled
 *       with L = α·S + β·D, S the hard-label cross-entropy, D = T²·KL(softmax(z_t/T) ‖
 *       softmax(z_s/T)) (Hinton et al. 2015), plus TinyBERT's intermediate hidden-state MSE (and
 *       optionally attention MSE) through the uniform layer mapping, optionally on TinyBERT-augmented
 *       posts.</li>
 *   <li>Baseline: the same student architecture, same batches and steps, trained with hard
 *       labels only (no teacher), initialised from the pretrained model's layers (what one has
 *       without a teacher; {@code --baseline-init teacher} starts it from the fine-tuned teacher's
 *       layers instead, exactly like the distilled student).</li>
 * </ol>
 *
 * Accuracy is measured during training on held-out training posts (never on test posts) and
 * reported at the end on the newsgroups test split for all three.
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune bge-small-en-v1.5 as a 3-newsgroups topic classifier (the",
                "teacher, cached in <out>/teacher), distil it into a 6-layer student with",
                "soft targets at temperature T, hard labels and hidden-state MSE",
                "(L = alpha*S + beta*D + w_hidden*H), train the same student without a",
                "teacher, and report the test accuracy of all three.",
                "Defaults take about 10 minutes on 2 free CPU cores; for a GPU try",
                "--max-length 256 --teacher-steps 300 --steps 600 --batch-size 32 --augment 4",
                ""})
public final class ClassifyCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifyCommand.class);

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Pretrained encoder the teacher is fine-tuned from (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--student", defaultValue = "six-layer", paramLabel = "six-layer|tinybert4",
            description = "Student: six-layer (teacher layers copied, see --layers) or tinybert4 (4 x 312, random"
                    + " init, projections) (default: ${DEFAULT-VALUE}).")
    String student;

    @Option(names = "--layers", paramLabel = "<i,j,...>",
            description = "Teacher layers (0-based) copied into the student; default every other one: 0,2,4,...")
    String layers;

    @Option(names = "--max-length", defaultValue = "64", description = "Posts cut to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--teacher-steps", defaultValue = "100", description = "Fine-tuning steps of the teacher (default: ${DEFAULT-VALUE}).")
    long teacherSteps;

    @Option(names = "--teacher-lr", defaultValue = "1.5e-4", description = "Teacher's peak learning rate (default: ${DEFAULT-VALUE}).")
    float teacherLr;

    @Option(names = "--steps", defaultValue = "60", description = "Steps of the student and of the baseline (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Student's peak learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--batch-size", defaultValue = "16", description = "Posts per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--alpha", defaultValue = "0.5", description = "alpha: weight of the hard-label loss S (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--beta", defaultValue = "0.5", description = "beta: weight of the soft-target loss D (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--temperature", defaultValue = "2", description = "Temperature T of the soft targets (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--w-hidden", defaultValue = "0.1", description = "Weight of the hidden-state MSE over mapped layers (default: ${DEFAULT-VALUE}).")
    double wHidden;

    @Option(names = "--w-attention", defaultValue = "0", description = "Weight of the attention-score MSE (default: ${DEFAULT-VALUE}).")
    double wAttention;

    @Option(names = "--baseline-init", defaultValue = "pretrained", paramLabel = "pretrained|teacher",
            description = "Initial weights of the no-teacher student: the pretrained model's layers (what one has"
                    + " without a teacher) or the fine-tuned teacher's, like the distilled student"
                    + " (default: ${DEFAULT-VALUE}).")
    String baselineInit;

    @Option(names = "--augment", defaultValue = "0",
            description = "TinyBERT augmentation: N extra copies of each training post for the student and the"
                    + " baseline, 0 for none (default: ${DEFAULT-VALUE}).")
    int augment;

    @Option(names = "--mlm-head", paramLabel = "<dir|identity>",
            description = "The MLM head whose predictions are --augment's candidates: a directory holding the"
                    + " mlm-head.safetensors that ./distill mlm (<out>/mlm-head) or ./distill mlm-head fitted on this"
                    + " --teacher, or 'identity' for the untrained fallback (similarity of the hidden state to the word"
                    + " embeddings, context-free and measured far weaker: docs/examples/classify.md). Default: fit one"
                    + " on the pretrained teacher as ./distill mlm does, kept in <out>/mlm-head for the next run.")
    String mlmHead;

    @Option(names = "--mlm-head-texts", defaultValue = "6000",
            description = "Texts the default MLM head is fitted on (default: ${DEFAULT-VALUE}).")
    int mlmHeadTexts;

    @Option(names = "--mlm-head-steps", defaultValue = "300",
            description = "Optimiser steps of the default MLM head fit, 256 masked positions each (default: ${DEFAULT-VALUE}).")
    int mlmHeadSteps;

    @Option(names = "--dev-size", defaultValue = "150", description = "Training posts held out for evaluation during training (default: ${DEFAULT-VALUE}).")
    int devSize;

    @Option(names = "--train-size", defaultValue = "0", description = "Use at most N training posts, 0 for all (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--test-size", defaultValue = "0", description = "Score a seeded sample of N test posts, 0 for all (default: ${DEFAULT-VALUE}).")
    int testSize;

    @Option(names = "--eval-every", defaultValue = "20", description = "Evaluate on the held-out posts every N steps, 0 for only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--out", defaultValue = "runs/classify", description = "Run directory; an existing run resumes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    DeviceOption device;

    @Mixin
    FineTunedTeacherPrecision teacherPrecision;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for the split, data order, initialisation and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    /** One model's line in the summary. */
    private record Row(String name, RunSummary.Role role, long parameters, double devAccuracy, double testAccuracy,
            Throughput.Result speed) {}

    @Override
    public Integer call() throws Exception {
        validate();
        FineTunedModel.checkSettings(out.resolve("teacher"), teacherSettings());
        Device dev = device.device();
        try (LoadedModel pretrained = ModelLoader.load(teacherName, dev, maxLength);
                NDManager teacherManager = NDManager.newBaseManager(dev);
                NDManager studentManager = NDManager.newBaseManager(dev);
                NDManager baselineManager = NDManager.newBaseManager(dev)) {
            TextTokenizer tokenizer = pretrained.tokenizer();
            long padId = pretrained.encoder().config().padTokenId();
            NewsgroupsSplits data = NewsgroupsSplits.load(tokenizer, devSize, trainSize, testSize, seed);
            LOG.info("3-newsgroups: {} training posts, {} held out for evaluation during training, {} test posts; "
                    + "classes {}", data.train().size(), data.dev().size(), data.test().size(), data.classes());
            TextPipeline pipeline = new TextPipeline(tokenizer, LabelKind.CLASS, data.classes());
            List<TokenizedExample> train = tokenize(pipeline, data.train());
            ExampleEvalData devData = new ExampleEvalData(tokenize(pipeline, data.dev()), 32, LabelKind.CLASS, padId);
            ExampleEvalData testData = new ExampleEvalData(tokenize(pipeline, data.test()), 32, LabelKind.CLASS, padId);
            Evaluator devAccuracy = Evaluators.accuracy(devData);
            Evaluator testAccuracy = Evaluators.accuracy(testData);
            // The augmentation's MLM head first: a wrong --mlm-head fails before anything slow.
            AugmentationHead augHead = augment > 0 ? augmentationHead(pretrained) : null;

            // 1. The teacher: fine-tuned once, then loaded from <out>/teacher.
            long start = System.nanoTime();
            Path teacherDir = out.resolve("teacher");
            Map<String, String> teacherSettings = teacherSettings();
            Encoder teacher;
            Map<String, Double> teacherMetrics;
            if (FineTunedModel.isCached(teacherDir)) {
                teacher = FineTunedModel.load(teacherDir, teacherSettings, teacherManager);
                teacherMetrics = FineTunedModel.metrics(teacherDir);
                LOG.info("teacher loaded from {} (fine-tuned earlier)", teacherDir);
            } else {
                teacher = newTeacher(pretrained.encoder(), data.classes(), teacherManager);
                EncoderStudent view = new EncoderStudent(teacher);
                LOG.info("fine-tuning the teacher: {} steps of {} posts", teacherSteps, batchSize);
                TrainingResult tuned = FineTunedModel.train(view, new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION),
                        trainerConfig(teacherSteps, teacherLr, dev), batches(train, padId), devAccuracy,
                        out.resolve("teacher-run"));
                teacherMetrics = new LinkedHashMap<>();
                teacherMetrics.put("dev_accuracy",
                        FineTunedModel.finalEvaluation(tuned, devAccuracy, view).primaryValue());
                teacherMetrics.put("test_accuracy", testAccuracy.evaluate(view).primaryValue());
                FineTunedModel.save(teacher, tokenizer, teacherDir, teacherSettings, teacherMetrics);
                FineTunedModel.dropCheckpoints(out.resolve("teacher-run"));
            }
            double teacherMinutes = (System.nanoTime() - start) / 60e9;
            EncoderTeacher frozen = EncoderTeacher.of(teacher, teacherPrecision.precision());

            // 2. The training data of the student and the baseline (optionally augmented).
            List<TokenizedExample> studentTrain = augment > 0
                    ? augmented(pretrained, augHead, pipeline, data.train(), train) : train;

            // 3. The distilled student and the baseline, from the same initial weights.
            Encoder studentEncoder = buildStudent(teacher, data.classes(), studentManager);
            Encoder baselineEncoder = buildStudent(baselineFromTeacher() ? teacher : pretrained.encoder(),
                    data.classes(), baselineManager);
            LOG.info("teacher: {} parameters; student: {} parameters ({})", teacher.parameterCount(),
                    studentEncoder.parameterCount(), studentEncoder.config());
            TrainerConfig config = trainerConfig(steps, learningRate, dev);

            start = System.nanoTime();
            EncoderStudent studentModel = new EncoderStudent(studentEncoder);
            DistillationTrainer trainer = new DistillationTrainer(frozen, studentModel, distillationLoss(), config);
            trainer.setEvaluator(devAccuracy);
            TrainingResult result = trainer.fit(batches(studentTrain, padId), out);
            double studentMinutes = (System.nanoTime() - start) / 60e9;

            start = System.nanoTime();
            EncoderStudent baselineModel = new EncoderStudent(baselineEncoder);
            TrainingResult baselineResult = FineTunedModel.train(baselineModel, new HardLabelLoss(
                    HardLabelLoss.Task.CLASSIFICATION), config, batches(studentTrain, padId), devAccuracy,
                    out.resolve("baseline"));
            double baselineMinutes = (System.nanoTime() - start) / 60e9;

            HfDirectory.save(studentEncoder, tokenizer, out.resolve("student"));
            HfDirectory.save(baselineEncoder, tokenizer, out.resolve("baseline-student"));

            // 4. Test accuracy and speed.
            List<String> speedTexts = new ArrayList<>();
            data.test().stream().limit(64).forEach(e -> speedTexts.add(e.text()));
            List<Row> rows = new ArrayList<>();
            rows.add(new Row("teacher (fine-tuned " + teacherName + ")", RunSummary.Role.TEACHER,
                    teacher.parameterCount(), teacherMetrics.get("dev_accuracy"), teacherMetrics.get("test_accuracy"),
                    speed(teacher, tokenizer, teacherManager, speedTexts)));
            rows.add(new Row("student " + studentName() + ", distilled", RunSummary.Role.STUDENT,
                    studentEncoder.parameterCount(),
                    FineTunedModel.finalEvaluation(result, devAccuracy, studentModel).primaryValue(),
                    testAccuracy.evaluate(studentModel).primaryValue(),
                    speed(studentEncoder, tokenizer, studentManager, speedTexts)));
            rows.add(new Row(baselineName(), RunSummary.Role.REFERENCE, baselineEncoder.parameterCount(),
                    FineTunedModel.finalEvaluation(baselineResult, devAccuracy, baselineModel).primaryValue(),
                    testAccuracy.evaluate(baselineModel).primaryValue(), null));
            print(rows, data, studentTrain.size(), result, baselineResult, teacherMinutes, studentMinutes,
                    baselineMinutes, augHead);
            writeReport(rows, data, studentTrain.size(), result, config, augHead);
        }
        return 0;
    }

    private void validate() {
        if (!(alpha >= 0 && beta >= 0 && wHidden >= 0 && wAttention >= 0) || alpha + beta + wHidden + wAttention == 0) {
            throw new IllegalArgumentException("--alpha (" + alpha + "), --beta (" + beta + "), --w-hidden (" + wHidden
                    + ") and --w-attention (" + wAttention + ") must be >= 0 and not all 0");
        }
        if (augment < 0) {
            throw new IllegalArgumentException("--augment (" + augment + ") must be >= 0 copies per post");
        }
        if (mlmHead != null && augment == 0) {
            throw new IllegalArgumentException("--mlm-head " + mlmHead + " is given but --augment is 0: the head only"
                    + " serves augmentation; add --augment N or drop --mlm-head");
        }
        if (mlmHeadTexts < 1 || mlmHeadSteps < 1) {
            throw new IllegalArgumentException("--mlm-head-texts (" + mlmHeadTexts + ") and --mlm-head-steps ("
                    + mlmHeadSteps + ") must be positive");
        }
        if (maxLength < 8 || maxLength > 512) {
            throw new IllegalArgumentException("--max-length (" + maxLength + ") must lie in [8, 512]");
        }
        studentKind(); // fails on an unknown name
        baselineFromTeacher();
    }

    private boolean baselineFromTeacher() {
        switch (baselineInit.trim().toLowerCase(Locale.ROOT)) {
            case "pretrained":
                return false;
            case "teacher":
                return true;
            default:
                throw new IllegalArgumentException("--baseline-init '" + baselineInit + "' is unknown; use pretrained"
                        + " (the pretrained model's layers, no teacher involved) or teacher (the fine-tuned teacher's"
                        + " layers, as the distilled student starts)");
        }
    }

    private Map<String, String> teacherSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("task", "3-newsgroups");
        s.put("pretrained", teacherName);
        s.put("max_length", Integer.toString(maxLength));
        s.put("steps", Long.toString(teacherSteps));
        s.put("lr", Float.toString(teacherLr));
        s.put("batch_size", Integer.toString(batchSize));
        s.put("dev_size", Integer.toString(devSize));
        s.put("train_size", Integer.toString(trainSize));
        s.put("test_size", Integer.toString(testSize));
        s.put("seed", Long.toString(seed));
        return s;
    }

    /** bge with a classification head: encoder weights from the pretrained model, the head seeded. */
    private Encoder newTeacher(Encoder pretrained, List<String> classes, NDManager manager) {
        EncoderConfig c = pretrained.config();
        Encoder model = new Encoder(c, pretrained.pooling(), new ClassificationHead(c, classes, false));
        model.initializeWeights(manager, seed); // the head (pooler, classifier) keeps this initialisation
        model.loadState(manager, pretrained.stateDict(), false);
        return model;
    }

    /** The MLM head of the augmentation and how it was obtained (for the printout and the report). */
    private record AugmentationHead(MaskedLmHead head, String description) {}

    /**
     * TinyBERT's augmentation asks the <b>pretrained</b> model's MLM for candidates (Jiao et al.
     * 2020, Algorithm 1: BERT-base's masked-LM, not the fine-tuned teacher); bge has no MLM head, so one
     * is fitted on the frozen pretrained encoder, read from {@code --mlm-head DIR}, or, with
     * {@code --mlm-head identity}, the untrained identity head.
     */
    private AugmentationHead augmentationHead(LoadedModel pretrained) throws IOException {
        Encoder encoder = pretrained.encoder();
        String choice = mlmHead == null ? "" : mlmHead.trim();
        if (choice.equalsIgnoreCase("identity")) {
            LOG.warn("augmentation candidates from the untrained identity head (--mlm-head identity): context-free"
                    + " and far weaker than a fitted head's (docs/examples/classify.md)");
            return new AugmentationHead(MlmTeacher.identityHead(encoder, pretrained.manager()),
                    "identity head (untrained fallback)");
        }
        String fingerprint = new EncoderTeacher(encoder).fingerprint(); // freezes the pretrained encoder
        if (!choice.isEmpty()) {
            Path dir = Path.of(choice);
            MaskedLmHead head = MlmHeadFitter.loadFor(encoder, dir, fingerprint, pretrained.manager());
            LOG.info("MLM head for augmentation loaded from {}", dir.resolve(MlmHeadFitter.FILE));
            return new AugmentationHead(head, "fitted head loaded from " + dir.resolve(MlmHeadFitter.FILE));
        }
        FittedMlmHead spec = new FittedMlmHead(mlmHeadTexts, mlmHeadSteps, 256, 3e-3f, 48, seed);
        long start = System.nanoTime();
        UnlabelledCorpus.Texts corpus = UnlabelledCorpus.load(0, seed);
        MaskedSet fitSet = spec.fitSet(corpus.texts(), FIT_HELD_OUT, pretrained.tokenizer(),
                encoder.config().vocabSize(), encoder.config().padTokenId());
        MlmHeadFitter.Obtained o = spec.obtain(encoder, fingerprint, fitSet, out.resolve("mlm-head"),
                pretrained.manager(), LOG::info);
        LOG.info("MLM head for augmentation {} {} in {} s", o.reused() ? "reused from" : "fitted and saved to",
                o.file(), String.format(Locale.ROOT, "%.0f", (System.nanoTime() - start) / 1e9));
        return new AugmentationHead(o.head(), String.format(Locale.ROOT, "fitted head (%d texts, %s) %s %s",
                mlmHeadTexts, spec.settings().describe(), o.reused() ? "reused from" : "saved to", o.file()));
    }

    /**
     * Texts of the unlabelled corpus skipped before the head's fit texts: {@code ./distill mlm}
     * holds out its first 800 for scoring, so with the same seed and settings both fit the same head.
     */
    private static final int FIT_HELD_OUT = 800;

    private List<TokenizedExample> augmented(LoadedModel pretrained, AugmentationHead head, TextPipeline pipeline,
            List<TextExample> texts, List<TokenizedExample> original) {
        long start = System.nanoTime();
        MlmTeacher mlm = new MlmTeacher(pretrained.encoder(), head.head(), false);
        TinyBertAugmenter augmenter = TinyBertAugmenter.builder(mlm, pretrained.tokenizer(), pretrained.manager())
                .optCopies(augment).optSeed(seed).build();
        List<TokenizedExample> out = new ArrayList<>(original);
        int chunk = 32;
        for (int from = 0; from < texts.size(); from += chunk) {
            List<TextExample> part = texts.subList(from, Math.min(texts.size(), from + chunk));
            List<String> plain = new ArrayList<>();
            part.forEach(e -> plain.add(e.text()));
            List<List<String>> copies = augmenter.augment(plain, from);
            for (int i = 0; i < part.size(); i++) {
                TextExample src = part.get(i);
                for (String copy : copies.get(i)) {
                    out.add(pipeline.tokenize(new TextExample(copy, null, src.label(), src.origin() + " (augmented)")));
                }
            }
            LOG.info("augmented {} of {} posts", Math.min(texts.size(), from + chunk), texts.size());
        }
        LOG.info("TinyBERT augmentation ({}): {} posts -> {} examples in {} min", head.description(), texts.size(),
                out.size(), String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 60e9));
        return out;
    }

    private enum StudentKind { SIX_LAYER, TINYBERT4 }

    private StudentKind studentKind() {
        switch (student.trim().toLowerCase(Locale.ROOT)) {
            case "six-layer":
            case "6-layer":
                return StudentKind.SIX_LAYER;
            case "tinybert4":
            case "tinybert-4":
                return StudentKind.TINYBERT4;
            default:
                throw new IllegalArgumentException("--student '" + student + "' is unknown; use six-layer (with"
                        + " --layers to choose the copied layers) or tinybert4");
        }
    }

    private Encoder buildStudent(Encoder teacher, List<String> classes, NDManager manager) {
        EncoderConfig tc = teacher.config();
        if (studentKind() == StudentKind.TINYBERT4) {
            EncoderConfig c = EncoderConfig.tinyBert4().toBuilder().setVocabSize(tc.vocabSize())
                    .optMaxPositions(tc.maxPositions()).optTypeVocabSize(tc.typeVocabSize())
                    .optLayerNormEps(tc.layerNormEps()).optHiddenAct(tc.hiddenAct()).build();
            return Students.fromConfig(c, teacher.pooling(), new ClassificationHead(c, classes, false), manager, seed);
        }
        ClassificationHead head = new ClassificationHead(tc, classes, false); // copied from the teacher's
        if (layers != null) {
            return Students.fromTeacherLayers(teacher, Students.parseLayers(layers), head, manager, seed);
        }
        return Students.everyOtherLayer(teacher, head, manager, seed);
    }

    private String studentName() {
        if (studentKind() == StudentKind.TINYBERT4) {
            return "TinyBERT-4 (random init)";
        }
        String l = layers != null ? layers : "0,2,4,...";
        return "teacher layers " + l;
    }

    private String baselineName() {
        if (studentKind() == StudentKind.TINYBERT4) {
            return "same student, no teacher";
        }
        return "same student, no teacher (" + (baselineFromTeacher() ? "teacher" : "pretrained") + " layers)";
    }

    private DistillationLoss distillationLoss() {
        WeightedSumLoss.Builder b = WeightedSumLoss.builder()
                .add("hard_label", alpha, new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION))
                .add("soft_target", beta, SoftTargetLoss.kl(LogitsLayout.CLASSES, temperature));
        if (wHidden > 0) {
            b.add("hidden_mse", wHidden, HiddenStateLoss.tinyBertHidden());
        }
        if (wAttention > 0) {
            b.add("attention_mse", wAttention, AttentionLoss.tinyBert());
        }
        return b.build();
    }

    private TrainerConfig trainerConfig(long n, float lr, Device dev) {
        return FineTunedModel.trainerConfig(n, lr, evalEvery, seed, dev).optLogInterval(5)
                .optCheckpointInterval(Math.max(20, n / 2)).build();
    }

    private ExampleBatchSource batches(List<TokenizedExample> examples, long padId) {
        return new ExampleBatchSource(examples, batchSize, LabelKind.CLASS, null, padId, seed);
    }

    private static List<TokenizedExample> tokenize(TextPipeline pipeline, List<TextExample> texts) {
        List<TokenizedExample> out = new ArrayList<>(texts.size());
        for (TextExample e : texts) {
            out.add(pipeline.tokenize(e));
        }
        return out;
    }

    private static Throughput.Result speed(Encoder encoder, TextTokenizer tokenizer, NDManager manager,
            List<String> texts) {
        return Throughput.measure(encoder, tokenizer, manager, texts, 32, 3);
    }

    private void print(List<Row> rows, NewsgroupsSplits data, int trainExamples, TrainingResult result,
            TrainingResult baseline, double teacherMinutes, double studentMinutes, double baselineMinutes,
            AugmentationHead augHead) {
        Row t = rows.get(0);
        System.out.printf(Locale.ROOT, "%n%-46s %12s %9s %9s %10s %8s %9s%n", "model", "parameters", "dev acc",
                "test acc", "retention", "params", "speed-up");
        for (Row r : rows) {
            String speedUp = r.speed() == null ? "" : String.format(Locale.ROOT, "%8.2fx",
                    r.speed().sentencesPerSecond() / t.speed().sentencesPerSecond());
            System.out.printf(Locale.ROOT, "%-46s %,12d %8.2f%% %8.2f%% %9.1f%% %7.2fx %9s%n", r.name(), r.parameters(),
                    100 * r.devAccuracy(), 100 * r.testAccuracy(), 100 * r.testAccuracy() / t.testAccuracy(),
                    (double) r.parameters() / t.parameters(), speedUp);
        }
        double retention = rows.get(1).testAccuracy() / t.testAccuracy();
        double gain = rows.get(1).testAccuracy() - rows.get(2).testAccuracy();
        System.out.printf(Locale.ROOT, "%ngoal: student keeps >= 97%% of the teacher's test accuracy: %.1f%% (%s);"
                + " beats the no-teacher student: %+.2f points (%s)%n", 100 * retention,
                retention >= 0.97 ? "met" : "not met", 100 * gain, gain > 0 ? "met" : "not met");
        System.out.printf(Locale.ROOT, "%d training posts%s, %d held out, %d test posts;"
                + " teacher %.1f min, student %d steps in %.1f min, baseline %d steps in %.1f min.%n"
                + "student exported to %s; report: %s%n", data.train().size(), augment > 0
                        ? String.format(Locale.ROOT, " (%d examples with augmentation)", trainExamples) : "",
                data.dev().size(),
                data.test().size(), teacherMinutes, result.step(), studentMinutes, baseline.step(), baselineMinutes,
                out.resolve("student"), out.resolve(ReportWriter.HTML));
        if (augHead != null) {
            System.out.printf(Locale.ROOT, "augmentation: %d %s per post, candidates from the %s%n", augment,
                    augment == 1 ? "copy" : "copies", augHead.description());
        }
    }

    private void writeReport(List<Row> rows, NewsgroupsSplits data, int trainExamples, TrainingResult result,
            TrainerConfig config, AugmentationHead augHead) throws IOException {
        RunSummary.Builder b = RunSummary.builder("3-newsgroups: fine-tuned " + teacherName + " → " + studentName())
                .command("./distill classify --steps " + steps + " --teacher-steps " + teacherSteps + " --batch-size "
                        + batchSize + " --max-length " + maxLength + " --alpha " + alpha + " --beta " + beta
                        + " --temperature " + temperature + " --w-hidden " + wHidden
                        + (augment > 0 ? " --augment " + augment : ""))
                .notes(String.format(Locale.ROOT, "3-newsgroups (rec.motorcycles, rec.sport.baseball,"
                        + " rec.sport.hockey), mail headers stripped, posts cut to %d tokens. %d training posts"
                        + " (%d examples with augmentation), %d held out for the accuracy measured during training"
                        + " (\"accuracy\" in the charts and \"dev accuracy\" here), %d test posts for \"test"
                        + " accuracy\". The student trained %d steps with L = %.2f·S + %.2f·D(T = %.1f) + %.2f·hidden"
                        + " MSE; the no-teacher student (initialised from the %s layers) the same steps on the"
                        + " same batches with S only.",
                        maxLength, data.train().size(), trainExamples, data.dev().size(), data.test().size(),
                        result.step(), alpha, beta, temperature, wHidden,
                        baselineFromTeacher() ? "fine-tuned teacher's" : "pretrained model's"));
        for (Row r : rows) {
            RunSummary.Model.Builder m = RunSummary.Model.builder(r.name(), r.role()).parameters(r.parameters())
                    .sizeBytes(r.parameters() * 4)
                    .metric("test_accuracy", 100 * r.testAccuracy())
                    .metric("accuracy", r.devAccuracy());
            if (r.speed() != null) {
                m.latencyMs(r.speed().msPerBatch()).sentencesPerSecond(r.speed().sentencesPerSecond());
            }
            b.model(m.build());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("steps", steps);
        c.put("teacher_steps", teacherSteps);
        c.put("batch_size", batchSize);
        c.put("max_length", maxLength);
        c.put("lr", learningRate);
        c.put("teacher_lr", teacherLr);
        c.put("alpha", alpha);
        c.put("beta", beta);
        c.put("temperature", temperature);
        c.put("w_hidden", wHidden);
        c.put("w_attention", wAttention);
        c.put("augment", augment);
        if (augHead != null) {
            c.put("augment_mlm_head", augHead.description());
        }
        c.put("baseline_init", baselineInit);
        c.put("student", studentName());
        c.put("seed", seed);
        b.config(c);
        ReportWriter.write(out, b.build());
    }
}
