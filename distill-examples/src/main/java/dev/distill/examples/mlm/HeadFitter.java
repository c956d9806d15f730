package dev.distill.examples.mlm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.GradientCollector;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.SafeTensorsFile;
import dev.distill.core.io.TensorData;
import dev.distill.core.optim.AdamW;
import dev.distill.core.optim.WarmupLinearSchedule;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.heads.MaskedLmHead;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Fits a masked-LM head on a frozen encoder that ships without one (bge-small): BERT's {@code
 * BertOnlyMLMHead}, logits = LN(gelu(h·W₁ᵀ + b₁))·Eᵀ + b, with the decoder E <b>tied</b> to the
 * encoder's word embeddings and frozen with it; trained are W₁, b₁, the LayerNorm and the
 * vocabulary bias b (H² + 4H + V parameters).
 *
 * <p>Since the encoder is frozen, its last hidden states at the masked positions are computed
 * once ({@link #features}); the head then trains on those rows alone, minimising the masked-LM
 * cross-entropy −log softmax(z)_y with AdamW (warm-up 5%, linear decay, gradient norm clipped at
 * 1). It starts from {@link MlmTeacher#identityHead} (W₁ = I, b = 0): logits are then the
 * similarity of the normalised hidden state to each word embedding, a sensible point to start
 * from. One sub-manager per step; the loss is read from the device only every {@code logEvery}
 * steps.
 */
public final class HeadFitter {

    /** File name of the fitted head inside its directory. */
    public static final String FILE = "mlm-head.safetensors";

    /**
     * @param steps optimiser steps
     * @param rows masked positions per step
     * @param learningRate peak rate
     * @param weightDecay AdamW decay (not on biases and LayerNorm)
     * @param seed row sampling
     */
    public record Settings(int steps, int rows, float learningRate, float weightDecay, long seed) {
        public Settings {
            if (steps < 1 || rows < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException("head fitting needs steps ≥ 1 (" + steps + "), rows ≥ 1 (" + rows
                        + ") and a positive learning rate (" + learningRate + ")");
            }
        }

        String describe() {
            return String.format(Locale.ROOT, "steps=%d,rows=%d,lr=%s,wd=%s,seed=%d", steps, rows, learningRate,
                    weightDecay, seed);
        }
    }

    /** The teacher's last hidden states at masked positions (n, H) and their labels (n, on the host). */
    public record Features(NDArray hidden, long[] labels) {
        public long size() {
            return labels.length;
        }
    }

    private HeadFitter() {}

    /** Runs the frozen encoder over {@code set} and keeps the masked rows, on {@code manager}. */
    public static Features features(Encoder encoder, MaskedSet set, NDManager manager) {
        List<NDArray> rows = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        long h = encoder.config().hiddenSize();
        for (int i = 0; i < set.numBatches(); i++) {
            try (NDManager m = manager.newSubManager()) {
                TokenBatch b = set.batch(i, m);
                NDArray hidden = encoder.forward(b.withoutLabels(), false).lastHiddenState();
                NDArray keep = b.labels().reshape(-1).neq(TokenBatch.IGNORE_INDEX);
                NDArray r = hidden.reshape(-1, h).get(new NDIndex("{}", keep));
                r.attach(manager);
                rows.add(r);
                labels.add(b.labels().reshape(-1).get(new NDIndex("{}", keep)).toLongArray());
            }
        }
        NDArray x = NDArrays.concat(new NDList(rows), 0);
        rows.forEach(NDArray::close);
        return new Features(x, labels.stream().flatMapToLong(java.util.Arrays::stream).toArray());
    }

    /**
     * Trains a head on {@code features}.
     *
     * @param encoder the frozen encoder (its word embeddings are the tied decoder)
     * @param manager where the head's parameters are created
     * @param log receives one line every {@code logEvery} steps
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

    /** Saves a fitted head with what it was fitted from (so a later run can check it fits). */
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
        MaskedLmHead head = MlmTeacher.identityHead(encoder, manager);
        for (Parameter p : head.parameters()) {
            TensorData d = file.tensors().get(p.getName());
            if (d == null || !d.djlShape().equals(p.getShape())) {
                throw new IOException(f + ": tensor " + p.getName() + " is missing or has the wrong shape; delete the"
                        + " file to fit the head again");
            }
            p.getArray().set(FloatBuffer.wrap(d.toFloats()));
        }
        return head;
    }
}
