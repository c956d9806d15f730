// Over 400 lines only because of its Javadoc: 279 lines of code once comments and blank lines are left out.
package dev.distill.models.heads;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.GradientCollector;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.EvalData;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.SafeTensorsFile;
import dev.distill.core.io.TensorData;
import dev.distill.core.optim.AdamW;
import dev.distill.core.optim.WarmupLinearSchedule;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.encoder.Encoder;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Fits a masked-LM head on a frozen encoder that ships without one (bge-small, MiniLM): BERT's
 * {@code BertOnlyMLMHead}, logits = LN(gelu(h·W₁ᵀ + b₁))·Eᵀ + b, with the decoder E <b>tied</b>
 * to the encoder's word embeddings and frozen with it; trained are W₁, b₁, the LayerNorm and the
 * vocabulary bias b (H² + 4H + V parameters).
 *
 * <p>Since the encoder is frozen, its last hidden states at the masked positions are computed
 * once ({@link #features}); the head then trains on those rows alone, minimising the masked-LM
 * cross-entropy −log softmax(z)_y with AdamW (warm-up 5%, linear decay, gradient norm clipped at
 * 1). It starts from {@link MlmTeacher#identityHead} (W₁ = I, b = 0): logits are then the
 * similarity of the normalised hidden state to each word embedding, a sensible point to start
 * from. One sub-manager per step; the loss is read from the device only every {@code logEvery}
 * steps.
 *
 * <p>A fitted head is saved as {@value #FILE} with its provenance (teacher fingerprint, data hash,
 * settings) as safetensors metadata: {@link #fitOrLoad} reuses a saved head only when all of it
 * matches, {@link #loadFor} reuses a head fitted elsewhere when only the teacher matches. Its
 * quality as a source of replacement words is measured by {@link #quality}: masked-token top-1
 * and top-k accuracy on held-out features.
 */
public final class MlmHeadFitter {

    /** File name of the fitted head inside its directory. */
    public static final String FILE = "mlm-head.safetensors";

    /** Provenance key of the teacher fingerprint (what {@link #loadFor} checks). */
    public static final String TEACHER = "teacher";

    /**
     * How a head is fitted.
     *
     * @param steps optimiser steps
     * @param rows masked positions per step
     * @param learningRate peak rate
     * @param weightDecay AdamW decay (not on biases and LayerNorm)
     * @param seed row sampling
     */
    public record Settings(int steps, int rows, float learningRate, float weightDecay, long seed) {
        /**
         * Checks the settings.
         *
         * @param steps optimiser steps, &ge; 1
         * @param rows masked positions per step, &ge; 1
         * @param learningRate peak rate, &gt; 0
         * @param weightDecay AdamW decay, &ge; 0
         * @param seed row sampling
         * @throws IllegalArgumentException if a setting is out of range
         */
        public Settings {
            if (steps < 1 || rows < 1 || !(learningRate > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("head fitting needs steps ≥ 1 (got " + steps + "), rows ≥ 1 (got "
                        + rows + "), a positive learning rate (got " + learningRate + ") and a weight decay ≥ 0 (got "
                        + weightDecay + ")");
            }
        }

        /**
         * {@return the settings as one provenance string, e.g. {@code steps=300,rows=256,lr=0.003,wd=0.01,seed=42}}
         */
        public String describe() {
            return String.format(Locale.ROOT, "steps=%d,rows=%d,lr=%s,wd=%s,seed=%d", steps, rows, learningRate,
                    weightDecay, seed);
        }
    }

    /**
     * The teacher's last hidden states at masked positions and their labels.
     *
     * @param hidden (n, H) hidden states
     * @param labels the n true token ids, on the host
     */
    public record Features(NDArray hidden, long[] labels) {
        /** {@return n, the number of rows} */
        public long size() {
            return labels.length;
        }

        /**
         * The rows whose label passes {@code keep} (e.g. content words only), on the same manager.
         *
         * @param keep which token ids to keep
         * @return new features holding the kept rows, in order
         */
        public Features where(java.util.function.LongPredicate keep) {
            long[] rows = java.util.stream.IntStream.range(0, labels.length).filter(i -> keep.test(labels[i]))
                    .mapToLong(i -> i).toArray();
            long[] y = new long[rows.length];
            for (int i = 0; i < rows.length; i++) {
                y[i] = labels[(int) rows[i]];
            }
            NDArray index = hidden.getManager().create(rows);
            NDArray x = hidden.get(new NDIndex("{}", index));
            index.close();
            return new Features(x, y);
        }
    }

    /**
     * How well a head predicts masked tokens: the fraction of positions whose true token is its
     * most probable one (top-1) and among its {@code k} most probable (top-k).
     *
     * @param top1 top-1 accuracy, in [0, 1]
     * @param topK top-k accuracy, in [0, 1]
     * @param k k
     * @param tokens masked positions scored
     */
    public record Quality(double top1, double topK, int k, long tokens) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "top-1 %.1f%%, top-%d %.1f%% (%,d masked tokens)", 100 * top1, k,
                    100 * topK, tokens);
        }
    }

    /**
     * A head and where it came from.
     *
     * @param head the head
     * @param reused read from {@code file} (fitted earlier from the same inputs) rather than fitted now
     * @param file where it is saved
     */
    public record Obtained(MaskedLmHead head, boolean reused, Path file) {}

    private MlmHeadFitter() {}

    /**
     * The provenance a head is saved with: teacher fingerprint, hash of the fit data, settings.
     *
     * @param teacherFingerprint the teacher's fingerprint
     * @param dataHash a hash of the data the head is fitted on
     * @param settings the fitting settings
     * @return a new ordered map with the keys {@value #TEACHER}, {@code data} and {@code settings}
     * @throws NullPointerException if a fingerprint or hash is null
     */
    public static Map<String, String> provenance(String teacherFingerprint, String dataHash, Settings settings) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(TEACHER, Objects.requireNonNull(teacherFingerprint, "teacherFingerprint"));
        p.put("data", Objects.requireNonNull(dataHash, "dataHash"));
        p.put("settings", settings.describe());
        return p;
    }

    /**
     * Runs the frozen encoder over {@code data} (batches with masked-LM labels) and keeps the
     * rows of the labelled positions, on {@code manager}.
     *
     * @param encoder the frozen encoder
     * @param data batches with masked-LM labels
     * @param manager the owner of the returned hidden states
     * @return n rows, n the labelled positions of all batches
     * @throws IllegalArgumentException if a batch has no labels or no position is labelled
     */
    public static Features features(Encoder encoder, EvalData data, NDManager manager) {
        List<NDArray> rows = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        long h = encoder.config().hiddenSize();
        for (int i = 0; i < data.numBatches(); i++) {
            try (NDManager m = manager.newSubManager()) {
                TokenBatch b = data.batch(i, m);
                if (b.labels() == null) {
                    throw new IllegalArgumentException("batch " + i + " has no masked-LM labels; head fitting needs"
                            + " masked batches (e.g. a MaskedSet)");
                }
                NDArray hidden = encoder.forward(b.withoutLabels(), false).lastHiddenState();
                NDArray keep = b.labels().reshape(-1).neq(TokenBatch.IGNORE_INDEX);
                NDArray r = hidden.reshape(-1, h).get(new NDIndex("{}", keep)).toType(DataType.FLOAT32, false);
                r.attach(manager);
                rows.add(r);
                labels.add(b.labels().reshape(-1).get(new NDIndex("{}", keep)).toLongArray());
            }
        }
        NDArray x = NDArrays.concat(new NDList(rows), 0);
        rows.forEach(NDArray::close);
        long[] y = labels.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        if (y.length == 0) {
            throw new IllegalArgumentException("the data has no masked positions to fit or score a head on");
        }
        return new Features(x, y);
    }

    /**
     * Trains a head on {@code features}.
     *
     * @param encoder the frozen encoder (its word embeddings are the tied decoder)
     * @param features the training rows
     * @param s the settings
     * @param manager where the head's parameters are created
     * @param logEvery steps between log lines (the loss is read from the device only then)
     * @param log receives one line every {@code logEvery} steps
     * @return the fitted head, its parameters frozen
     */
    public static MaskedLmHead fit(Encoder encoder, Features features, Settings s, NDManager manager, int logEvery,
            Consumer<String> log) {
        MaskedLmHead head = MlmTeacher.identityHead(encoder, manager);
        NDArray words = encoder.wordEmbeddings().getArray();
        if (words.hasGradient()) {
            throw new IllegalStateException("the encoder's word embeddings require a gradient; freeze the encoder"
                    + " (EncoderTeacher does) before fitting its head");
        }
        Map<String, NDArray> trained = new LinkedHashMap<>();
        for (Parameter p : head.parameters()) {
            p.getArray().setRequiresGradient(true);
            trained.put(p.getName(), p.getArray());
        }
        long n = features.size();
        WarmupLinearSchedule schedule = new WarmupLinearSchedule(s.learningRate(), Math.max(1, s.steps() / 20),
                s.steps());
        SplittableRandom random = new SplittableRandom(s.seed());
        Engine engine = Engine.getInstance();
        List<NDArray> pending = new ArrayList<>();
        NDManager logManager = manager.newSubManager();
        try (AdamW opt = AdamW.builder().optWeightDecay(s.weightDecay()).build(trained)) {
            for (int t = 0; t < s.steps(); t++) {
                try (NDManager m = manager.newSubManager()) {
                    long[] idx = new long[(int) Math.min(s.rows(), n)];
                    long[] target = new long[idx.length];
                    for (int i = 0; i < idx.length; i++) {
                        idx[i] = random.nextLong(n);
                        target[i] = features.labels()[(int) idx[i]];
                    }
                    // rows idx of the (n, H) features: an embedding lookup, no gradient (the features are constants)
                    NDArray x = Embedding.embedding(m.create(idx), features.hidden(), SparseFormat.DENSE)
                            .singletonOrThrow();
                    NDArray y = m.create(target);
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray z = head.logits(x, words); // (rows, V)
                        NDArray loss = z.logSoftmax(1).gather(y.expandDims(1), 1).neg().mean();
                        gc.backward(loss);
                        NDArray kept = loss.stopGradient();
                        kept.attach(logManager);
                        pending.add(kept);
                    }
                    opt.clipGradientNorm(m, 1f);
                    opt.step(schedule.at(t));
                    opt.zeroGradients();
                }
                if ((t + 1) % logEvery == 0 || t + 1 == s.steps()) {
                    double mean = 0;
                    for (NDArray l : pending) {
                        mean += l.getFloat();
                    }
                    log.accept(String.format(Locale.ROOT, "head fit step %d/%d: masked-LM loss %.4f (mean of the last"
                            + " %d steps)", t + 1, s.steps(), mean / pending.size(), pending.size()));
                    pending.clear();
                    logManager.close();
                    logManager = manager.newSubManager();
                }
            }
        } finally {
            logManager.close();
        }
        for (Parameter p : head.parameters()) {
            p.getArray().setRequiresGradient(false);
        }
        return head;
    }

    /**
     * The head saved in {@code dir} if its provenance equals {@code provenance}; otherwise the
     * features of {@code data} are computed, a head fitted with {@code settings} and saved there
     * (atomically) for the next run.
     *
     * @param encoder the frozen encoder
     * @param provenance from {@link #provenance}; its settings entry should describe {@code settings}
     * @param data batches with masked-LM labels, read only when a head must be fitted
     * @param settings the fitting settings
     * @param dir the directory of {@value #FILE}
     * @param manager where the head's parameters are created; the features live in a sub-manager
     *     closed after the fit
     * @param logEvery steps between log lines
     * @param log receives progress lines
     * @return the head, and whether it was reused
     * @throws IOException if the saved head cannot be read or the new one written
     */
    public static Obtained fitOrLoad(Encoder encoder, Map<String, String> provenance, EvalData data,
            Settings settings, Path dir, NDManager manager, int logEvery, Consumer<String> log) throws IOException {
        MaskedLmHead head = load(encoder, dir, provenance, manager);
        if (head != null) {
            return new Obtained(head, true, dir.resolve(FILE));
        }
        try (NDManager fm = manager.newSubManager()) {
            Features f = features(encoder, data, fm);
            log.accept(String.format(Locale.ROOT, "fitting an MLM head: %,d masked positions, %d steps of %d rows",
                    f.size(), settings.steps(), settings.rows()));
            head = fit(encoder, f, settings, manager, logEvery, log);
        }
        save(head, dir, provenance);
        return new Obtained(head, false, dir.resolve(FILE));
    }

    /**
     * Saves a fitted head with what it was fitted from (so a later run can check it fits).
     *
     * @param head the head
     * @param dir the directory, created if missing
     * @param provenance stored as the file's metadata
     * @throws IOException if the file cannot be written
     */
    public static void save(MaskedLmHead head, Path dir, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        Map<String, TensorData> t = new LinkedHashMap<>();
        for (Parameter p : head.parameters()) {
            t.put(p.getName(), TensorData.fromNDArray(p.getArray()));
        }
        SafeTensors.write(dir.resolve(FILE), t, provenance);
    }

    /**
     * The head saved in {@code dir} if its provenance equals {@code provenance}, else null (absent
     * or fitted from something else: the caller fits a new one).
     *
     * @param encoder the encoder the head belongs to
     * @param dir the directory of {@value #FILE}
     * @param provenance what the saved head must have been fitted from
     * @param manager where the head's parameters are created
     * @return the head, or null
     * @throws IOException if the file cannot be read or holds tensors of the wrong shape
     */
    public static MaskedLmHead load(Encoder encoder, Path dir, Map<String, String> provenance, NDManager manager)
            throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        SafeTensorsFile file = SafeTensors.read(f);
        for (Map.Entry<String, String> e : provenance.entrySet()) {
            if (!e.getValue().equals(file.metadata().get(e.getKey()))) {
                return null;
            }
        }
        return read(encoder, f, file, manager);
    }

    /**
     * The head saved in {@code dir} by another run (e.g. {@code ./distill mlm}), whatever data and
     * settings it was fitted with, provided it was fitted on this teacher.
     *
     * @param encoder the teacher's encoder
     * @param dir the directory of {@value #FILE}
     * @param teacherFingerprint the fingerprint of {@code encoder} (as {@code EncoderTeacher} computes it)
     * @param manager where the head's parameters are created
     * @return the head
     * @throws IOException if the file cannot be read or holds tensors of the wrong shape
     * @throws java.nio.file.NoSuchFileException when {@code dir} holds no {@value #FILE}
     * @throws IllegalArgumentException when the head was fitted on another teacher
     */
    public static MaskedLmHead loadFor(Encoder encoder, Path dir, String teacherFingerprint, NDManager manager)
            throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null, "no fitted MLM head here: the directory"
                    + " must hold " + FILE + " as ./distill mlm (<out>/mlm-head) or ./distill mlm-head writes it;"
                    + " fit one first, or leave the option out to fit one in the run directory");
        }
        SafeTensorsFile file = SafeTensors.read(f);
        String fittedOn = file.metadata().get(TEACHER);
        if (!teacherFingerprint.equals(fittedOn)) {
            throw new IllegalArgumentException("the MLM head " + f + " was fitted on teacher " + abbreviate(fittedOn)
                    + ", but this teacher's fingerprint is " + abbreviate(teacherFingerprint) + ". A head only fits"
                    + " the encoder whose hidden states it learned from: fit one for this teacher, or use the teacher"
                    + " it was fitted on");
        }
        return read(encoder, f, file, manager);
    }

    private static String abbreviate(String s) {
        return s == null ? "(none recorded)" : s.length() > 16 ? s.substring(0, 16) + "…" : s;
    }

    private static MaskedLmHead read(Encoder encoder, Path f, SafeTensorsFile file, NDManager manager)
            throws IOException {
        MaskedLmHead head = MlmTeacher.identityHead(encoder, manager);
        for (Parameter p : head.parameters()) {
            TensorData d = file.tensors().get(p.getName());
            if (d == null || !d.djlShape().equals(p.getShape())) {
                throw new IOException(f + ": tensor " + p.getName() + " is missing or has the shape "
                        + (d == null ? "-" : d.djlShape()) + " instead of " + p.getShape() + " (a head for another"
                        + " encoder size?); delete the file to fit the head again");
            }
            p.getArray().set(FloatBuffer.wrap(d.toFloats()));
        }
        return head;
    }

    /**
     * Masked-token top-1 and top-k accuracy of {@code head} on {@code features} (e.g. held-out
     * masked text): over the n rows, top-1 = (1/n) Σ [argmax z = y], top-k = (1/n) Σ [y ∈ top-k(z)],
     * z the full-vocabulary logits. Rows are scored 512 at a time.
     *
     * @param encoder the encoder the head belongs to
     * @param head the head
     * @param features the rows to score
     * @param k k, in [1, V]
     * @param manager a manager for temporaries
     * @return the accuracies
     * @throws IllegalArgumentException if k is out of range
     */
    public static Quality quality(Encoder encoder, MaskedLmHead head, Features features, int k, NDManager manager) {
        if (k < 1 || k > encoder.config().vocabSize()) {
            throw new IllegalArgumentException("k (" + k + ") must lie in [1, vocabulary size "
                    + encoder.config().vocabSize() + "]");
        }
        NDArray words = encoder.wordEmbeddings().getArray();
        long n = features.size();
        long top1 = 0;
        long topK = 0;
        int chunk = 512;
        for (long from = 0; from < n; from += chunk) {
            long to = Math.min(n, from + chunk);
            try (NDManager m = manager.newSubManager()) {
                NDArray x = features.hidden().get(new NDIndex("{}:{}", from, to));
                x.attach(m); // results of ops on x attach to x's manager: this sub-manager, closed per chunk
                NDArray z = head.logits(x, words);
                long[] top = z.topK(k, 1, true, true).get(1).toType(DataType.INT64, false).toLongArray();
                for (int i = 0; i < to - from; i++) {
                    long y = features.labels()[(int) (from + i)];
                    if (top[i * k] == y) {
                        top1++;
                    }
                    for (int j = 0; j < k; j++) {
                        if (top[i * k + j] == y) {
                            topK++;
                            break;
                        }
                    }
                }
            }
        }
        return new Quality((double) top1 / n, (double) topK / n, k, n);
    }
}
