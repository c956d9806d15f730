package dev.distill.examples.block;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.GaussianInputs;
import dev.distill.core.data.StsData;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.examples.cli.DeviceOption;
import dev.distill.examples.common.UnlabelledCorpus;
import dev.distill.examples.report.ReportWriter;
import dev.distill.examples.report.RunSummary;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.MappedLayers;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Students;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./distill block}: block-level distillation on random inputs, after the write-up
 * "Transformer Model Compression (Attempt)" — distil a block of Transformer layers (the first two
 * layers of bge-small, hidden states → hidden states) into one narrower layer, on random inputs,
 * with an L1 loss; scored as a ratio to that write-up's baseline (a running mean of the teacher's outputs)
 * on held-out random inputs and on real sentences' embedding-layer outputs.
 *
 * <p>Design: the run uses {@link DistillationTrainer} unchanged (checkpoints, resume, metrics,
 * guards): the block inputs travel in a {@link BlockBatch}, {@link BlockTeacher} and
 * {@link BlockStudent} run {@link Encoder#forwardHidden} on them, and the loss is
 * {@link HiddenStateLoss} with the L1 distance between the last hidden states.
 */
@Command(name = "block", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Block-level distillation on random inputs: the first layers of a teacher, as a",
                "block from hidden states to hidden states, distilled into one narrower layer",
                "on random Gaussian inputs with an L1 loss. Reports the L1 as a ratio to the",
                "baseline of a running mean of the teacher's outputs, the parameter",
                "ratio and speed-up, and whether the approximation transfers to real inputs",
                "(embedding-layer outputs of STS test sentences). Defaults: 5-15 minutes on",
                "2 CPU cores, depending on other load. For a GPU: --steps 5000",
                "--batch-size 64 --seq-length 128."})
public final class BlockCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(BlockCommand.class);

    /** Which Gaussian the inputs are drawn from. */
    enum Inputs {
        /** N(0, 1) in every dimension, as in the seed. */
        ISOTROPIC,
        /** Per-dimension mean and standard deviation of the teacher's embedding outputs on real text. */
        MATCHED
    }

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Model whose first layers are the teacher block (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--teacher-layers", defaultValue = "2", description = "Teacher layers in the block (default: ${DEFAULT-VALUE}).")
    int teacherLayers;

    @Option(names = "--student-layers", defaultValue = "1", description = "Student layers (default: ${DEFAULT-VALUE}).")
    int studentLayers;

    @Option(names = "--heads", defaultValue = "6", description = "Student attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--head-size", defaultValue = "32", description = "Student head size; heads × size is the Q/K/V width (default: ${DEFAULT-VALUE}).")
    int headSize;

    @Option(names = "--ffn", defaultValue = "1024", description = "Student feed-forward width (default: ${DEFAULT-VALUE}).")
    int ffn;

    @Option(names = "--inputs", defaultValue = "isotropic", paramLabel = "isotropic|matched",
            description = "isotropic: N(0, 1) as in the seed; matched: per-dimension mean and std of the teacher's"
                    + " embedding outputs on real training text (default: ${DEFAULT-VALUE}).")
    String inputs;

    @Option(names = "--steps", defaultValue = "600", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seq-length", defaultValue = "64", description = "Positions per sequence (default: ${DEFAULT-VALUE}).")
    int seqLength;

    @Option(names = "--min-length", defaultValue = "8", description = "Shortest sequence; lengths are uniform in [min, seq-length], the rest padded (default: ${DEFAULT-VALUE}).")
    int minLength;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}, the write-up's).")
    float learningRate;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "AdamW weight decay (default: ${DEFAULT-VALUE}, the write-up's).")
    float weightDecay;

    @Option(names = "--dropout", defaultValue = "0", description = "Student dropout (default: ${DEFAULT-VALUE}: fresh random data never repeats, so there is nothing to regularise).")
    float dropout;

    @Option(names = "--baseline-batches", defaultValue = "100", description = "Training batches the running-mean baseline averages (default: ${DEFAULT-VALUE}).")
    int baselineBatches;

    @Option(names = "--eval-batches", defaultValue = "8", description = "Held-out random batches (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--real-sentences", defaultValue = "256", description = "STS test sentences for the real-input evaluation, 0 for none (default: ${DEFAULT-VALUE}).")
    int realSentences;

    @Option(names = "--stats-texts", defaultValue = "2000", description = "Training texts whose embeddings give the matched statistics (default: ${DEFAULT-VALUE}).")
    int statsTexts;

    @Option(names = "--sts-splice", description = "Also put the student block in place of the teacher's layers inside the"
            + " full model and score STS 2012/2013 (Spearman x100) against the unmodified teacher: the end-to-end"
            + " test of transfer (about 2 extra forward passes over 9k sentences).")
    boolean stsSplice;

    @Option(names = "--eval-every", defaultValue = "100", description = "Evaluate every N steps, 0 for only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(names = "--out", defaultValue = "runs/block", description = "Run directory; an existing run resumes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    DeviceOption device;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for inputs and initialisation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Inputs kind = parseInputs(inputs);
        if (teacherLayers < 1 || studentLayers < 1 || heads < 1 || headSize < 1 || ffn < 1 || steps < 1
                || batchSize < 1 || realSentences < 0 || statsTexts < 2) {
            throw new IllegalArgumentException("--teacher-layers, --student-layers, --heads, --head-size, --ffn,"
                    + " --steps and --batch-size must be positive, --real-sentences ≥ 0 and --stats-texts ≥ 2");
        }
        Device dev = device.device();
        long start = System.nanoTime();
        try (LoadedModel loaded = ModelLoader.load(teacherName, dev, 128);
                NDManager studentManager = NDManager.newBaseManager(dev)) {
            Encoder full = loaded.encoder();
            EncoderConfig tc = full.config();
            if (teacherLayers > tc.numLayers()) {
                throw new IllegalArgumentException("--teacher-layers " + teacherLayers + " exceeds the teacher's "
                        + tc.numLayers() + " layers");
            }
            int[] first = new int[teacherLayers];
            for (int i = 0; i < teacherLayers; i++) {
                first[i] = i;
            }
            Encoder teacherBlock = Students.fromTeacherLayers(full, first, null, loaded.manager(), seed);
            BlockTeacher teacher = new BlockTeacher(teacherBlock);
            int h = tc.hiddenSize();

            GaussianInputs dist = kind == Inputs.ISOTROPIC ? GaussianInputs.isotropic(h, 0, 1, seed)
                    : matchedStatistics(teacherBlock, loaded.tokenizer(), loaded.manager());
            GaussianInputs evalDist = GaussianInputs.of(dist.mean(), dist.std(), seed + 1_000_003L);

            EncoderConfig sc = tc.toBuilder().setNumLayers(studentLayers).setNumHeads(heads).optHeadSize(headSize)
                    .setIntermediateSize(ffn).optDropout(dropout).build();
            Encoder studentEncoder = Students.fromConfig(sc, full.pooling(), null, studentManager, seed);
            // The teacher's embeddings, so the exported student is "bge's embeddings + the approximate block".
            Map<String, dev.distill.core.io.TensorData> embeddings = new LinkedHashMap<>();
            full.stateDict().forEach((k, v) -> {
                if (k.startsWith("embeddings.")) {
                    embeddings.put(k, v);
                }
            });
            studentEncoder.loadState(studentManager, embeddings, false);
            BlockStudent student = new BlockStudent(studentEncoder);
            long teacherParams = BlockStudent.countLayerParameters(teacherBlock);
            long studentParams = student.blockParameterCount();
            LOG.info("teacher block: layers 0..{} of {} ({} parameters); student: {}", teacherLayers - 1,
                    loaded.source(), teacherParams, student.description());

            List<String> sentences = realSentences(realSentences, seed);
            try (GaussianBlockBatches data = new GaussianBlockBatches(dist, batchSize, seqLength, minLength);
                    GaussianBlockBatches evalData = new GaussianBlockBatches(evalDist, batchSize, seqLength,
                            minLength);
                    BlockEvaluator evaluator = new BlockEvaluator(teacherBlock, data, baselineBatches, evalData,
                            evalBatches, sentences, loaded.tokenizer(), 32, studentManager)) {
                TrainerConfig config = TrainerConfig.builder()
                        .setSteps(steps)
                        .optLearningRate(learningRate)
                        .optWarmupFraction(0.05)
                        .optSchedule(TrainerConfig.Schedule.COSINE)
                        .optWeightDecay(weightDecay)
                        .optClipNorm(1.0f)
                        .optLogInterval(10)
                        .optCheckpointInterval(Math.max(50, steps / 4))
                        .optEvalInterval(evalEvery)
                        .optKeepLast(2)
                        .optSeed(seed)
                        .optDevices(dev, dev)
                        .build();
                HiddenStateLoss l1 = HiddenStateLoss.builder().optName("l1").optDistance(HiddenStateLoss.Distance.L1)
                        .optLayers(MappedLayers.LAST_LAYER).build();
                DistillationTrainer trainer = new DistillationTrainer(teacher, student, l1, config);
                trainer.setEvaluator(evaluator);
                long trainStart = System.nanoTime();
                TrainingResult result = trainer.fit(data, out);
                double trainMinutes = (System.nanoTime() - trainStart) / 60e9;
                Evaluation last = result.lastEvaluation() != null ? result.lastEvaluation() : evaluator.evaluate(student);

                HfDirectory.save(studentEncoder, loaded.tokenizer(), out.resolve("student"));
                double[] ms = speed(teacherBlock, studentEncoder, data, studentManager);
                Map<String, Double> base = evaluator.baselines();
                double[] sts = stsSplice ? spliceSts(full, teacherBlock, studentEncoder, loaded.tokenizer(),
                        studentManager) : null;
                print(kind, teacherParams, studentParams, last.metrics(), base, ms, result, trainMinutes,
                        evaluator.realTokens(), sentences.size(), (System.nanoTime() - start) / 60e9);
                if (sts != null) {
                    System.out.printf(Locale.ROOT, "STS 2012/2013 mean Spearman x100: teacher %.2f; teacher with layers"
                            + " 0..%d replaced by the student block %.2f (%.1f%%)%n", sts[0], teacherLayers - 1, sts[1],
                            100 * sts[1] / sts[0]);
                }
                Map<String, Double> studentMetrics = new LinkedHashMap<>(last.metrics());
                if (sts != null) {
                    studentMetrics.put("sts_teacher", sts[0]);
                    studentMetrics.put("sts_spliced", sts[1]);
                }
                writeReport(kind, teacherParams, studentParams, studentMetrics, base, ms, result,
                        evaluator.realTokens(), sentences.size());
            }
        }
        return 0;
    }

    private static Inputs parseInputs(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "isotropic":
                return Inputs.ISOTROPIC;
            case "matched":
                return Inputs.MATCHED;
            default:
                throw new IllegalArgumentException("--inputs '" + s + "' is unknown; use isotropic or matched");
        }
    }

    /**
     * Per-dimension mean and std of the teacher's embedding-layer outputs over the real tokens of
     * {@code statsTexts} training texts (WordNet and newsgroup training text, never the STS test
     * sentences that the real evaluation uses).
     */
    private GaussianInputs matchedStatistics(Encoder teacherBlock, TextTokenizer tokenizer, NDManager manager) {
        UnlabelledCorpus.Texts corpus = UnlabelledCorpus.load(statsTexts, seed);
        try (NDManager m = manager.newSubManager(); TextTokenizer tok = tokenizer.withMaxLength(seqLength)) {
            List<NDArray> rows = new ArrayList<>();
            for (int s = 0; s < corpus.texts().size(); s += 64) {
                // One sub-manager per batch: only the real tokens' embedding rows are kept.
                try (NDManager b = m.newSubManager()) {
                    TokenBatch batch = tok.batch(corpus.texts().subList(s, Math.min(corpus.texts().size(), s + 64)), b);
                    NDArray e = teacherBlock.forward(batch, false).embeddingOutput();
                    NDArray real = e.reshape(-1, e.getShape().get(2))
                            .get(new ai.djl.ndarray.index.NDIndex("{}", batch.attentionMask().reshape(-1).eq(1)));
                    real.attach(m);
                    rows.add(real);
                }
            }
            NDArray all = NDArrays.concat(new NDList(rows)).expandDims(0); // (1, N real tokens, H)
            GaussianInputs g = GaussianInputs.matching(all, null, seed);
            LOG.info("matched inputs: mean of per-dimension means {}, mean std {} over {} texts ({} tokens)",
                    String.format(Locale.ROOT, "%.3f", mean(g.mean())), String.format(Locale.ROOT, "%.3f",
                            mean(g.std())), corpus.texts().size(), all.getShape().get(1));
            return g;
        }
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Up to {@code n} distinct STS 2012/2013 test sentences, shuffled with the seed. */
    static List<String> realSentences(int n, long seed) {
        if (n == 0) {
            return List.of();
        }
        Set<String> all = new LinkedHashSet<>();
        for (StsData.Subset s : StsData.semEvalTest()) {
            for (StsData.Pair p : s.pairs()) {
                all.add(p.first());
                all.add(p.second());
            }
        }
        List<String> list = new ArrayList<>(all);
        Collections.shuffle(list, new Random(seed));
        return list.subList(0, Math.min(n, list.size()));
    }

    /**
     * STS mean Spearman of the full teacher and of the teacher with its first layers replaced by
     * the student block: embeddings → student block → teacher layers teacherLayers.. → pooling.
     */
    private double[] spliceSts(Encoder full, Encoder teacherBlock, Encoder student, TextTokenizer tokenizer,
            NDManager manager) {
        int n = full.config().numLayers();
        int[] rest = new int[n - teacherLayers];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = teacherLayers + i;
        }
        dev.distill.core.eval.StsEvaluator sts = dev.distill.core.eval.StsEvaluator.semEvalTest();
        double teacherSts = dev.distill.examples.common.StsEvaluation.score(sts, full, tokenizer, manager,
                full.pooling()).mean();
        if (rest.length == 0) {
            throw new IllegalArgumentException("--sts-splice needs layers after the block; the teacher has only " + n);
        }
        try (NDManager m = manager.newSubManager()) {
            Encoder tail = Students.fromTeacherLayers(full, rest, null, m, seed);
            double spliced = sts.evaluate(texts -> {
                float[][] out = new float[texts.size()][];
                for (int s = 0; s < texts.size(); s += 32) {
                    List<String> chunk = texts.subList(s, Math.min(texts.size(), s + 32));
                    try (NDManager b = m.newSubManager()) {
                        TokenBatch batch = tokenizer.batch(chunk, b);
                        NDArray emb = teacherBlock.forward(batch, false).embeddingOutput();
                        NDArray h = student.forwardHidden(emb, batch.attentionMask(), false).lastHiddenState();
                        float[] pooled = tail.forwardHidden(h, batch.attentionMask(), false).pooled().toFloatArray();
                        int d = pooled.length / chunk.size();
                        for (int i = 0; i < chunk.size(); i++) {
                            out[s + i] = java.util.Arrays.copyOfRange(pooled, i * d, (i + 1) * d);
                        }
                    }
                }
                return out;
            }).mean();
            return new double[] {teacherSts, spliced};
        }
    }

    /** Milliseconds per forward pass of the teacher block and the student block on one training-shaped batch. */
    private static double[] speed(Encoder teacher, Encoder student, GaussianBlockBatches data, NDManager manager) {
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
        try (NDManager m = manager.newSubManager()) {
            TokenBatch b = data.batchAt(0, m);
            Encoder[] models = {teacher, student};
            for (int rep = 0; rep < 5; rep++) {
                for (int i = 0; i < 2; i++) {
                    try (NDManager r = m.newSubManager()) {
                        NDArray x = BlockBatch.hidden(b).duplicate();
                        x.attach(r);
                        long t0 = System.nanoTime();
                        models[i].forwardHidden(x, b.attentionMask(), false).lastHiddenState().toFloatArray();
                        best[i] = Math.min(best[i], (System.nanoTime() - t0) / 1e6);
                    }
                }
            }
        }
        return best;
    }

    private void print(Inputs kind, long tp, long sp, Map<String, Double> m, Map<String, Double> base, double[] ms,
            TrainingResult result, double trainMinutes, long realTokens, int sentences, double totalMinutes) {
        System.out.printf(Locale.ROOT, "%n%-40s %12s %10s %9s %9s%n", "block", "parameters", "params", "ms/batch",
                "speed-up");
        System.out.printf(Locale.ROOT, "%-40s %,12d %9.2fx %9.1f %8.2fx%n", "teacher: layers 0.." + (teacherLayers - 1)
                + " of " + teacherName, tp, 1.0, ms[0], 1.0);
        System.out.printf(Locale.ROOT, "%-40s %,12d %9.2fx %9.1f %8.2fx%n", "student: " + studentLayers + " layer, "
                + heads + "x" + headSize + ", ffn " + ffn, sp, (double) sp / tp, ms[1], ms[0] / ms[1]);
        System.out.printf(Locale.ROOT, "%n%-34s %10s %12s %10s %10s%n", "L1 to the teacher's output", "student",
                "baseline", "ratio", "cosine");
        System.out.printf(Locale.ROOT, "%-34s %10.4f %12.4f %10.3f %10.4f%n", "random inputs (" + kind.name()
                .toLowerCase(Locale.ROOT) + ", held out)", m.get("l1"), base.get("l1"), m.get("l1_ratio"),
                m.get("cosine"));
        if (m.containsKey("real_l1")) {
            System.out.printf(Locale.ROOT, "%-34s %10.4f %12.4f %10.3f %10.4f%n", "real embeddings (" + sentences
                    + " STS sentences)", m.get("real_l1"), base.get("real_l1"), m.get("real_l1_ratio"),
                    m.get("real_cosine"));
            System.out.printf(Locale.ROOT, "  (baseline cosine on real inputs: %.4f; %,d real tokens)%n",
                    base.get("real_cosine"), realTokens);
        }
        System.out.printf(Locale.ROOT, "%nThe original write-up reported L1 0.22 against a running-mean baseline of 0.59 (ratio"
                + " 0.37) for BERT-base layers 0-1 after 2 epochs of 1000 batches of 32 x 128.%n");
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f min (total %.1f min); student exported to %s;"
                + " report: %s%n", result.step(), trainMinutes, totalMinutes, out.resolve("student"),
                out.resolve("report.html"));
    }

    private void writeReport(Inputs kind, long tp, long sp, Map<String, Double> m, Map<String, Double> base,
            double[] ms, TrainingResult result, long realTokens, int sentences) throws java.io.IOException {
        RunSummary.Builder b = RunSummary.builder("Block distillation: " + teacherName + " layers 0.."
                + (teacherLayers - 1) + " → 1 narrow layer (" + kind.name().toLowerCase(Locale.ROOT) + " inputs)")
                .command("./distill block --inputs " + kind.name().toLowerCase(Locale.ROOT) + " --steps " + steps
                        + " --batch-size " + batchSize + " --seq-length " + seqLength)
                .notes(String.format(Locale.ROOT, "Random Gaussian block inputs (%s), lengths %d..%d, L1 loss on the"
                        + " block output. Ratio = student L1 / L1 of the write-up's baseline (bias-corrected running mean,"
                        + " alpha 0.01, of the teacher's outputs over %d training batches). Real: embedding-layer"
                        + " outputs of %d STS test sentences (%,d tokens), baseline = their mean teacher output."
                        + " Speed: one forward of a %d x %d block batch, best of 5. Trained %d steps.",
                        kind.name().toLowerCase(Locale.ROOT), minLength, seqLength, baselineBatches, sentences,
                        realTokens, batchSize, seqLength, result.step()));
        b.model(RunSummary.Model.builder("teacher block (" + teacherLayers + " layers)", RunSummary.Role.TEACHER)
                .parameters(tp).sizeBytes(tp * 4).latencyMs(ms[0]).metric("l1", 0).build());
        RunSummary.Model.Builder s = RunSummary.Model.builder("student block", RunSummary.Role.STUDENT)
                .parameters(sp).sizeBytes(sp * 4).latencyMs(ms[1]);
        m.forEach(s::metric);
        b.model(s.build());
        RunSummary.Model.Builder r = RunSummary.Model.builder("running-mean baseline", RunSummary.Role.REFERENCE);
        r.metric("l1", base.get("l1")).metric("cosine", base.get("cosine"));
        if (base.containsKey("real_l1")) {
            r.metric("real_l1", base.get("real_l1")).metric("real_cosine", base.get("real_cosine"));
        }
        b.model(r.build());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("inputs", kind.name().toLowerCase(Locale.ROOT));
        cfg.put("teacher_layers", teacherLayers);
        cfg.put("student", studentLayers + " layer(s), " + heads + " heads x " + headSize + ", ffn " + ffn);
        cfg.put("steps", steps);
        cfg.put("batch_size", batchSize);
        cfg.put("seq_length", seqLength);
        cfg.put("min_length", minLength);
        cfg.put("lr", learningRate);
        cfg.put("weight_decay", weightDecay);
        cfg.put("seed", seed);
        b.config(cfg);
        ReportWriter.write(out, b.build());
    }
}
