package dev.distill.examples.qa;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.Seeds;
import dev.distill.core.data.SquadReader;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.examples.cli.DeviceOption;
import dev.distill.examples.common.FineTunedTeacherPrecision;
import dev.distill.examples.common.FineTunedModel;
import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunSummary;
import dev.distill.losses.HardLabelLoss;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.data.SquadWindows;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.SpanQaHead;
import dev.distill.models.inference.Throughput;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./distill qa}: extractive question answering, distilled through a trainer subclass
 * ({@link QaDistillationTrainer}) whose {@code computeLoss} is DistilBERT's SQuAD loss (Sanh et
 * al. 2019), α_ce·(start/end KL at T) + α_task·(hard span loss), with SQuAD exact match and F1 measured
 * during training ({@link SquadEvaluation}).
 *
 * <p>Data: any SQuAD v1.1 files ({@code --train}, {@code --dev}), or by default the WordNet QA set
 * ({@link WordNetQa}: "Which word means: &lt;gloss&gt;?" answered in a usage sentence), a stand-in
 * because SQuAD cannot be fetched here. Teacher: bge-small-en-v1.5 with a {@link SpanQaHead},
 * fine-tuned here with the hard span loss and cached in {@code <out>/teacher}; student: teacher
 * layers copied (DistilBERT's initialisation), distilled.
 */
@Command(name = "qa", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune bge-small-en-v1.5 for extractive QA (the teacher, cached in",
                "<out>/teacher) and distil it into a student of copied layers with a trainer",
                "subclass whose loss is alpha_ce * (start/end KL at T) + alpha_task * (hard",
                "span loss); SQuAD exact match and F1 are measured during training.",
                "Data: --train/--dev SQuAD v1.1 files, or by default a QA set built from",
                "WordNet usage sentences (question \"Which word means: <gloss>?\", context =",
                "a usage sentence, answer = the word).",
                "Defaults take about 10 minutes on 2 free CPU cores; for SQuAD on a GPU try",
                "--train train-v1.1.json --dev dev-v1.1.json --max-length 384 --stride 128",
                "--max-question-tokens 64 --teacher-steps 3000 --steps 5000 --batch-size 32",
                ""})
public final class QaCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(QaCommand.class);

    @Option(names = "--train", paramLabel = "<file.json>", description = "SQuAD v1.1 training file (default: the WordNet QA set).")
    Path trainFile;

    @Option(names = "--dev", paramLabel = "<file.json>", description = "SQuAD v1.1 development file (required with --train).")
    Path devFile;

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Pretrained encoder the teacher is fine-tuned from (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--layers", defaultValue = "0,2,4,6,8,10", paramLabel = "<i,j,...>",
            description = "Teacher layers (0-based) copied into the student (default: ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--max-length", defaultValue = "64", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--stride", defaultValue = "24", description = "Tokens between the starts of a context's windows (default: ${DEFAULT-VALUE}).")
    int stride;

    @Option(names = "--max-question-tokens", defaultValue = "32", description = "Questions cut to N tokens (default: ${DEFAULT-VALUE}).")
    int maxQuestionTokens;

    @Option(names = "--max-answer-tokens", defaultValue = "30", description = "Longest answer span decoded (default: ${DEFAULT-VALUE}).")
    int maxAnswerTokens;

    @Option(names = "--teacher-steps", defaultValue = "100", description = "Fine-tuning steps of the teacher (default: ${DEFAULT-VALUE}).")
    long teacherSteps;

    @Option(names = "--teacher-lr", defaultValue = "1.5e-4", description = "Teacher's peak learning rate (default: ${DEFAULT-VALUE}).")
    float teacherLr;

    @Option(names = "--steps", defaultValue = "150", description = "Student distillation steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Student's peak learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--batch-size", defaultValue = "16", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--alpha-ce", defaultValue = "0.5", description = "alpha_ce: weight of the start/end KL (default: ${DEFAULT-VALUE}).")
    double alphaCe;

    @Option(names = "--alpha-task", defaultValue = "0.5", description = "alpha_task: weight of the hard span loss (default: ${DEFAULT-VALUE}).")
    double alphaTask;

    @Option(names = "--temperature", defaultValue = "2", description = "Temperature T (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--train-size", defaultValue = "0", description = "Use at most N training questions (seeded sample), 0 for all (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--dev-size", defaultValue = "500", description = "Evaluate on at most N development questions (seeded sample), 0 for all (default: ${DEFAULT-VALUE}).")
    int devSize;

    @Option(names = "--eval-every", defaultValue = "50", description = "Evaluate EM/F1 every N steps, 0 for only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--out", defaultValue = "runs/qa", description = "Run directory; an existing run resumes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    DeviceOption device;

    @Mixin
    FineTunedTeacherPrecision teacherPrecision;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for sampling, data order, initialisation and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    private record Row(String name, RunSummary.Role role, long parameters, double f1, double em,
            Throughput.Result speed) {}

    @Override
    public Integer call() throws Exception {
        if ((trainFile == null) != (devFile == null)) {
            throw new IllegalArgumentException("give both --train and --dev (SQuAD v1.1 files), or neither for the"
                    + " WordNet QA demo");
        }
        FineTunedModel.checkSettings(out.resolve("teacher"), teacherSettings());
        Device dev = device.device();
        try (LoadedModel pretrained = ModelLoader.load(teacherName, dev, maxLength);
                NDManager teacherManager = NDManager.newBaseManager(dev);
                NDManager studentManager = NDManager.newBaseManager(dev)) {
            TextTokenizer tokenizer = pretrained.tokenizer();
            long padId = pretrained.encoder().config().padTokenId();

            List<SquadReader.Question> trainQuestions;
            List<SquadReader.Question> devQuestions;
            String dataName;
            if (trainFile != null) {
                trainQuestions = read(trainFile);
                devQuestions = read(devFile);
                dataName = "SQuAD files " + trainFile.getFileName() + " / " + devFile.getFileName();
            } else {
                WordNetQa.Split split = WordNetQa.build(0.1, seed);
                LOG.info("WordNet QA: {}", WordNetQa.describe(split));
                trainQuestions = split.train();
                devQuestions = split.dev();
                dataName = "WordNet QA (usage sentences, questions from glosses)";
            }
            trainQuestions = sample(trainQuestions, trainSize, 1);
            devQuestions = sample(devQuestions, devSize, 2);
            List<TokenizedExample> train = new ArrayList<>();
            for (SquadReader.Question q : trainQuestions) {
                for (SquadWindows.Window w : windows(tokenizer, q)) {
                    train.add(w.example());
                }
            }
            List<List<SquadWindows.Window>> devWindows = new ArrayList<>();
            for (SquadReader.Question q : devQuestions) {
                devWindows.add(windows(tokenizer, q));
            }
            SquadEvaluation devEval = new SquadEvaluation(devQuestions, devWindows, 64, padId, maxAnswerTokens);
            LOG.info("{}: {} training questions ({} windows), {} development questions", dataName,
                    trainQuestions.size(), train.size(), devQuestions.size());

            // 1. The teacher: fine-tuned once with the hard span loss, then loaded from <out>/teacher.
            long start = System.nanoTime();
            Path teacherDir = out.resolve("teacher");
            Map<String, String> settings = teacherSettings();
            Encoder teacher;
            Map<String, Double> teacherMetrics;
            if (FineTunedModel.isCached(teacherDir)) {
                teacher = FineTunedModel.load(teacherDir, settings, teacherManager);
                teacherMetrics = FineTunedModel.metrics(teacherDir);
                LOG.info("teacher loaded from {} (fine-tuned earlier)", teacherDir);
            } else {
                EncoderConfig c = pretrained.encoder().config();
                teacher = new Encoder(c, pretrained.encoder().pooling(), new SpanQaHead(c));
                teacher.initializeWeights(teacherManager, seed); // the span head keeps this initialisation
                teacher.loadState(teacherManager, pretrained.encoder().stateDict(), false);
                EncoderStudent view = new EncoderStudent(teacher);
                TrainingResult tuned = FineTunedModel.train(view, new HardLabelLoss(HardLabelLoss.Task.SPAN),
                        trainerConfig(teacherSteps, teacherLr, dev), batches(train, padId), devEval,
                        out.resolve("teacher-run"));
                teacherMetrics = FineTunedModel.finalEvaluation(tuned, devEval, view).metrics();
                FineTunedModel.save(teacher, tokenizer, teacherDir, settings, teacherMetrics);
                FineTunedModel.dropCheckpoints(out.resolve("teacher-run"));
            }
            double teacherMinutes = (System.nanoTime() - start) / 60e9;

            // 2. The student: copied layers (and the span head), distilled by the trainer subclass.
            Encoder studentEncoder = Students.fromTeacherLayers(teacher, Students.parseLayers(layers),
                    new SpanQaHead(teacher.config()), studentManager, seed);
            EncoderStudent student = new EncoderStudent(studentEncoder);
            TrainerConfig config = trainerConfig(steps, learningRate, dev);
            QaDistillationTrainer trainer = new QaDistillationTrainer(EncoderTeacher.of(teacher, teacherPrecision.precision()), student, config,
                    alphaCe, alphaTask, temperature);
            trainer.setEvaluator(devEval);
            start = System.nanoTime();
            TrainingResult result = trainer.fit(batches(train, padId), out);
            double studentMinutes = (System.nanoTime() - start) / 60e9;
            HfDirectory.save(studentEncoder, tokenizer, out.resolve("student"));

            List<String> speedTexts = new ArrayList<>();
            devQuestions.stream().limit(64).forEach(q -> speedTexts.add(q.question() + " " + q.context()));
            Map<String, Double> studentMetrics = FineTunedModel.finalEvaluation(result, devEval, student).metrics();
            List<Row> rows = List.of(
                    new Row("teacher (fine-tuned " + teacherName + ")", RunSummary.Role.TEACHER, teacher.parameterCount(),
                            teacherMetrics.get("f1"), teacherMetrics.get("exact_match"),
                            Throughput.measure(teacher, tokenizer, teacherManager, speedTexts, 32, 3)),
                    new Row("student (teacher layers " + layers + ")", RunSummary.Role.STUDENT,
                            studentEncoder.parameterCount(), studentMetrics.get("f1"), studentMetrics.get("exact_match"),
                            Throughput.measure(studentEncoder, tokenizer, studentManager, speedTexts, 32, 3)));
            print(rows, dataName, trainQuestions.size(), train.size(), devQuestions.size(), result, teacherMinutes,
                    studentMinutes);
            writeReport(rows, dataName, trainQuestions.size(), devQuestions.size(), result);
        }
        return 0;
    }

    private List<SquadWindows.Window> windows(TextTokenizer tokenizer, SquadReader.Question q) {
        return SquadWindows.windows(tokenizer, q, maxLength, stride, maxQuestionTokens);
    }

    private static List<SquadReader.Question> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("SQuAD file " + file + " does not exist; give the path of a SQuAD v1.1"
                    + " JSON file (e.g. train-v1.1.json)");
        }
        try (RecordStream<SquadReader.Question> s = SquadReader.open(file, ErrorPolicy.FAIL)) {
            List<SquadReader.Question> out = s.toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException("SQuAD file " + file + " holds no questions");
            }
            return out;
        }
    }

    private List<SquadReader.Question> sample(List<SquadReader.Question> all, int n, long stream) {
        if (n < 0) {
            throw new IllegalArgumentException("--train-size and --dev-size must be >= 0 (0 means all), got " + n);
        }
        if (n == 0 || n >= all.size()) {
            return all;
        }
        List<SquadReader.Question> copy = new ArrayList<>(all);
        Collections.shuffle(copy, new Random(Seeds.random(seed, stream).nextLong()));
        return List.copyOf(copy.subList(0, n));
    }

    private Map<String, String> teacherSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("task", trainFile == null ? "wordnet-qa" : "squad " + trainFile.toAbsolutePath());
        s.put("pretrained", teacherName);
        s.put("max_length", Integer.toString(maxLength));
        s.put("stride", Integer.toString(stride));
        s.put("max_question_tokens", Integer.toString(maxQuestionTokens));
        s.put("steps", Long.toString(teacherSteps));
        s.put("lr", Float.toString(teacherLr));
        s.put("batch_size", Integer.toString(batchSize));
        s.put("train_size", Integer.toString(trainSize));
        s.put("dev_size", Integer.toString(devSize));
        s.put("seed", Long.toString(seed));
        return s;
    }

    private TrainerConfig trainerConfig(long n, float lr, Device dev) {
        return FineTunedModel.trainerConfig(n, lr, evalEvery, seed, dev).optLogInterval(10)
                .optCheckpointInterval(Math.max(25, n / 2)).build();
    }

    private ExampleBatchSource batches(List<TokenizedExample> examples, long padId) {
        return new ExampleBatchSource(examples, batchSize, LabelKind.SPAN, null, padId, seed);
    }

    private void print(List<Row> rows, String dataName, int trainQuestions, int trainWindows, int devQuestions,
            TrainingResult result, double teacherMinutes, double studentMinutes) {
        Row t = rows.get(0);
        System.out.printf(Locale.ROOT, "%n%-46s %12s %7s %7s %10s %8s %9s%n", "model", "parameters", "EM", "F1",
                "retention", "params", "speed-up");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-46s %,12d %7.2f %7.2f %9.1f%% %7.2fx %8.2fx%n", r.name(), r.parameters(),
                    r.em(), r.f1(), 100 * r.f1() / t.f1(), (double) r.parameters() / t.parameters(),
                    r.speed().sentencesPerSecond() / t.speed().sentencesPerSecond());
        }
        System.out.printf(Locale.ROOT, "%n%s: %,d training questions (%,d windows), %,d development questions;"
                + " teacher %.1f min, student %d steps in %.1f min.%nstudent exported to %s; report: %s%n", dataName,
                trainQuestions, trainWindows, devQuestions, teacherMinutes, result.step(), studentMinutes,
                out.resolve("student"), out.resolve(ReportWriter.HTML));
    }

    private void writeReport(List<Row> rows, String dataName, int trainQuestions, int devQuestions,
            TrainingResult result) throws IOException {
        RunSummary.Builder b = RunSummary.builder("Extractive QA: fine-tuned " + teacherName + " → teacher layers "
                + layers)
                .command("./distill qa" + (trainFile != null ? " --train " + trainFile + " --dev " + devFile : "")
                        + " --steps " + steps + " --teacher-steps " + teacherSteps + " --batch-size " + batchSize
                        + " --alpha-ce " + alphaCe + " --alpha-task " + alphaTask + " --temperature " + temperature)
                .notes(String.format(Locale.ROOT, "%s: %,d training questions, %,d development questions (disjoint"
                        + " synsets for the WordNet set). EM and F1 are the SQuAD v1.1 metrics on answer text (×100)."
                        + " The student trained %d steps with L = %.2f·KL_span(T = %.1f) + %.2f·hard span loss,"
                        + " computed in QaDistillationTrainer.computeLoss.", dataName, trainQuestions, devQuestions,
                        result.step(), alphaCe, temperature, alphaTask));
        for (Row r : rows) {
            b.model(RunSummary.Model.builder(r.name(), r.role()).parameters(r.parameters())
                    .sizeBytes(r.parameters() * 4).latencyMs(r.speed().msPerBatch())
                    .sentencesPerSecond(r.speed().sentencesPerSecond())
                    .metric("f1", r.f1()).metric("exact_match", r.em()).build());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("steps", steps);
        c.put("teacher_steps", teacherSteps);
        c.put("batch_size", batchSize);
        c.put("max_length", maxLength);
        c.put("stride", stride);
        c.put("lr", learningRate);
        c.put("teacher_lr", teacherLr);
        c.put("alpha_ce", alphaCe);
        c.put("alpha_task", alphaTask);
        c.put("temperature", temperature);
        c.put("layers", layers);
        c.put("seed", seed);
        b.config(c);
        ReportWriter.write(out, b.build());
    }
}
