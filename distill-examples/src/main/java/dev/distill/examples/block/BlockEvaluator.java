package dev.distill.examples.block;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.train.TrainableModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores a block student against its teacher block on two held-out sets, with the baseline of
 * block-level distillation's write-up ("a smoothed exponential average of the output of the teacher
 * model as an estimate").
 *
 * <ul>
 *   <li><b>Gaussian</b>: {@code evalBatches} batches from the training distribution at steps the
 *       training stream never reaches (its own seed). Baseline μ: the running mean of the
 *       teacher's outputs over the first {@code baselineBatches} training batches,
 *       μ_n = (1 − α)·μ_{n−1} + α·m_n with α = 0.01 and m_n the batch mean over real tokens,
 *       bias-corrected (μ_n / (1 − (1 − α)ⁿ), as Adam corrects its moments) so that a short run
 *       is not pulled towards the zero start. Per dimension: the block has no position
 *       information, so every position has the same output distribution and the write-up's
 *       per-position mean estimates the same vector.
 *   <li><b>Real</b>: hidden states of real sentences after the teacher's embedding layer (the
 *       block's true inputs in the full model) and the teacher block's outputs on them. Baseline:
 *       the mean teacher output over these very tokens, an oracle constant (so the real ratio, if
 *       anything, flatters the baseline).
 * </ul>
 *
 * For both: {@code l1} = (1 / (|R|·H)) Σ_{(b,t)∈R} Σ_h |ŷ − y| over real tokens R (the training
 * loss), the same for the baseline, their ratio (primary metric on the Gaussian set: lower is
 * better, 1 means "no better than predicting the mean"), and the mean cosine similarity between
 * output vectors. Teacher outputs are computed once, at construction, and kept on the device.
 */
public final class BlockEvaluator implements Evaluator, AutoCloseable {

    /** The smoothing factor of the write-up's running mean. */
    public static final double ALPHA = 0.01;

    private record Example(TokenBatch batch, NDArray target) {}

    private final NDManager manager;
    private final List<Example> gaussian = new ArrayList<>();
    private final List<Example> real = new ArrayList<>();
    private final NDArray gaussianMean;
    private final NDArray realMean;
    private final Map<String, Double> baselines = new LinkedHashMap<>();

    /**
     * @param teacher the frozen teacher block (as an encoder, embeddings included)
     * @param training the training stream (its first {@code baselineBatches} batches give the running mean)
     * @param evalStream a stream with another seed: its first {@code evalBatches} batches are the
     *     Gaussian evaluation set
     * @param sentences real held-out sentences, or an empty list for none
     * @param tokenizer the teacher's tokenizer
     * @param manager the device's manager; the evaluator keeps its arrays in a sub-manager
     */
    public BlockEvaluator(Encoder teacher, GaussianBlockBatches training, int baselineBatches,
            GaussianBlockBatches evalStream, int evalBatches, List<String> sentences, TextTokenizer tokenizer,
            int batchSize, NDManager manager) {
        Objects.requireNonNull(teacher, "teacher");
        if (baselineBatches < 1 || evalBatches < 1) {
            throw new IllegalArgumentException("baseline batches (" + baselineBatches + ") and eval batches ("
                    + evalBatches + ") must be at least 1");
        }
        this.manager = manager.newSubManager();
        // The write-up's running mean over the training stream, bias-corrected.
        NDArray mu = null;
        for (int n = 0; n < baselineBatches; n++) {
            try (NDManager m = this.manager.newSubManager()) {
                TokenBatch b = training.batchAt(n, m);
                NDArray y = teacher.forwardHidden(BlockBatch.hidden(b), b.attentionMask(), false).lastHiddenState();
                NDArray batchMean = maskedMean(y, b.attentionMask());
                NDArray next = mu == null ? Scalars.mul(batchMean, (float) ALPHA)
                        : Scalars.mul(mu, (float) (1 - ALPHA)).add(Scalars.mul(batchMean, (float) ALPHA));
                next.attach(this.manager);
                if (mu != null) {
                    mu.close();
                }
                mu = next;
            }
        }
        gaussianMean = Scalars.div(mu, (float) (1 - Math.pow(1 - ALPHA, baselineBatches)));
        for (int i = 0; i < evalBatches; i++) {
            try (NDManager m = this.manager.newSubManager()) {
                TokenBatch b = evalStream.batchAt(i, m);
                NDArray y = teacher.forwardHidden(BlockBatch.hidden(b), b.attentionMask(), false).lastHiddenState();
                gaussian.add(keep(BlockBatch.hidden(b), b.attentionMask(), b.realTokens(), y));
            }
        }
        for (int start = 0; start < sentences.size(); start += batchSize) {
            List<String> chunk = sentences.subList(start, Math.min(sentences.size(), start + batchSize));
            try (NDManager m = this.manager.newSubManager()) {
                TokenBatch text = tokenizer.batch(chunk, m);
                ModelOutputs out = teacher.forward(text, false);
                real.add(keep(out.embeddingOutput(), text.attentionMask(), text.realTokens(), out.lastHiddenState()));
            }
        }
        realMean = real.isEmpty() ? null : pooledMean(real);
        baselines.putAll(score(gaussian, (b, y) -> y.zerosLike().add(gaussianMean), ""));
        if (!real.isEmpty()) {
            baselines.putAll(score(real, (b, y) -> y.zerosLike().add(realMean), "real_"));
        }
    }

    /** Moves what an example keeps (input, mask, target) from a step's sub-manager to the evaluator's. */
    private Example keep(NDArray x, NDArray mask, long realTokens, NDArray target) {
        x.attach(manager);
        mask.attach(manager);
        target.attach(manager);
        return new Example(BlockBatch.of(x, mask, realTokens), target);
    }

    /** The baseline's l1 and cosine on both sets ({@code l1}, {@code cosine}, {@code real_l1}, …). */
    public Map<String, Double> baselines() {
        return Map.copyOf(baselines);
    }

    /** Number of real tokens in the real evaluation set. */
    public long realTokens() {
        long n = 0;
        for (Example e : real) {
            n += e.batch().realTokens();
        }
        return n;
    }

    @Override
    public Evaluation evaluate(TrainableModel student) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> g = score(gaussian, (b, y) -> student.forward(b, false).lastHiddenState(), "");
        metrics.put("l1_ratio", g.get("l1") / baselines.get("l1"));
        metrics.putAll(g);
        metrics.put("baseline_l1", baselines.get("l1"));
        if (!real.isEmpty()) {
            Map<String, Double> r = score(real, (b, y) -> student.forward(b, false).lastHiddenState(), "real_");
            metrics.put("real_l1_ratio", r.get("real_l1") / baselines.get("real_l1"));
            metrics.putAll(r);
            metrics.put("real_baseline_l1", baselines.get("real_l1"));
            metrics.put("real_baseline_cosine", baselines.get("real_cosine"));
        }
        return new Evaluation(metrics, "l1_ratio", Evaluation.Direction.LOWER_IS_BETTER);
    }

    /**
     * l1 and mean cosine of {@code predict}'s outputs against the targets. Each example is copied
     * into a sub-manager first, so every array an evaluation creates is freed with it.
     */
    private Map<String, Double> score(List<Example> set,
            java.util.function.BiFunction<TokenBatch, NDArray, NDArray> predict, String prefix) {
        double l1 = 0;
        double cos = 0;
        double tokens = 0;
        long h = 0;
        for (Example e : set) {
            try (NDManager m = manager.newSubManager()) {
                NDArray x = copy(BlockBatch.hidden(e.batch()), m);
                NDArray mask = copy(e.batch().attentionMask(), m);
                NDArray y = copy(e.target(), m);
                NDArray yHat = predict.apply(BlockBatch.of(x, mask, e.batch().realTokens()), y);
                h = y.getShape().get(2);
                NDArray w = mask.toType(DataType.FLOAT32, false); // (B, T)
                NDArray absSum = yHat.sub(y).abs().sum(new int[] {2}).mul(w).sum(); // Σ over real tokens and H
                NDArray dot = yHat.mul(y).sum(new int[] {2});
                NDArray norms = yHat.square().sum(new int[] {2}).add(1e-12f)
                        .mul(y.square().sum(new int[] {2}).add(1e-12f)).sqrt();
                NDArray cosSum = dot.div(norms).mul(w).sum();
                float[] v = NDArrayHelper.stack(absSum, cosSum, w.sum());
                l1 += v[0];
                cos += v[1];
                tokens += v[2];
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(prefix + "l1", l1 / (tokens * h));
        out.put(prefix + "cosine", cos / tokens);
        return out;
    }

    private static NDArray copy(NDArray a, NDManager m) {
        NDArray c = a.duplicate();
        c.attach(m);
        return c;
    }

    /** Mean over real tokens of (B, T, H) → (H). */
    private static NDArray maskedMean(NDArray y, NDArray mask) {
        NDArray w = mask.toType(DataType.FLOAT32, false).expandDims(2);
        return y.mul(w).sum(new int[] {0, 1}).div(w.sum());
    }

    private NDArray pooledMean(List<Example> set) {
        NDArray sum = null;
        NDArray count = null;
        for (Example e : set) {
            NDArray w = e.batch().attentionMask().toType(DataType.FLOAT32, false).expandDims(2);
            NDArray s = e.target().mul(w).sum(new int[] {0, 1});
            NDArray c = w.sum();
            sum = sum == null ? s : sum.add(s);
            count = count == null ? c : count.add(c);
        }
        return sum.div(count);
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Reads several scalars in one transfer. */
    private static final class NDArrayHelper {
        static float[] stack(NDArray... scalars) {
            ai.djl.ndarray.NDList l = new ai.djl.ndarray.NDList();
            for (NDArray s : scalars) {
                l.add(s.toType(DataType.FLOAT32, false).reshape(1));
            }
            return ai.djl.ndarray.NDArrays.concat(l).toFloatArray();
        }
    }
}
