package dev.distill.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.TrainableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The evaluators distill provides. Each runs the student with {@code training = false}, one
 * batch at a time in a sub-manager of the student's, and reads results to the host per batch
 * (evaluation is not the hot path).
 */
public final class Evaluators {

    private Evaluators() {}

    /**
     * Sequence-classification accuracy: the share of examples whose arg-max logit (B, C) equals
     * the label (B). Metrics {@code accuracy} (primary, higher is better) and {@code examples}.
     *
     * @param data labelled batches, labels (B) class ids
     * @return the evaluator; it throws {@link IllegalArgumentException} when a batch has no labels or
     *         the model no (B, C) logits
     * @throws NullPointerException if {@code data} is null
     */
    public static Evaluator accuracy(EvalData data) {
        Objects.requireNonNull(data, "data");
        return student -> {
            long correct = 0;
            long total = 0;
            for (int i = 0; i < data.numBatches(); i++) {
                try (NDManager m = student.manager().newSubManager()) {
                    TokenBatch batch = data.batch(i, m);
                    NDArray logits = requireLogits(student.forward(batch, false), 2, "(B, C)", "accuracy");
                    long[] labels = requireLabels(batch, i, "accuracy").toType(DataType.INT64, false).toLongArray();
                    long[] pred = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
                    if (pred.length != labels.length) {
                        throw new IllegalArgumentException("eval batch " + i + " has " + labels.length
                                + " labels for " + pred.length + " examples; accuracy needs one class id per example");
                    }
                    for (int j = 0; j < pred.length; j++) {
                        correct += pred[j] == labels[j] ? 1 : 0;
                    }
                    total += pred.length;
                }
            }
            requireExamples(total, "accuracy");
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("accuracy", (double) correct / total);
            metrics.put("examples", (double) total);
            return new Evaluation(metrics, "accuracy", Evaluation.Direction.HIGHER_IS_BETTER);
        };
    }

    /**
     * Extractive QA at the token level. Logits (B, T, 2) hold start and end scores; the
     * predicted span is the (s, e) over real tokens with s ≤ e &lt; s + {@code maxAnswerTokens}
     * maximising start[s] + end[e] (the SQuAD decoding rule); the gold span is the label (B, 2).
     * Exact match is pred = gold; F1 is the harmonic mean of precision and recall of the
     * overlapping token positions, |pred ∩ gold| / |pred| and |pred ∩ gold| / |gold|. This is
     * the SQuAD metric on token positions, not on normalised answer words. Metrics {@code f1}
     * (primary), {@code exact_match}, {@code examples}.
     *
     * @param data batches with span labels (B, 2)
     * @param maxAnswerTokens the longest predicted span, &ge; 1 (SQuAD: 30)
     * @return the evaluator
     * @throws IllegalArgumentException if {@code maxAnswerTokens} &lt; 1
     * @throws NullPointerException if {@code data} is null
     */
    public static Evaluator spanF1(EvalData data, int maxAnswerTokens) {
        Objects.requireNonNull(data, "data");
        if (maxAnswerTokens < 1) {
            throw new IllegalArgumentException("maxAnswerTokens (" + maxAnswerTokens + ") must be >= 1; SQuAD uses 30");
        }
        return student -> {
            double f1Sum = 0;
            long exact = 0;
            long total = 0;
            for (int i = 0; i < data.numBatches(); i++) {
                try (NDManager m = student.manager().newSubManager()) {
                    TokenBatch batch = data.batch(i, m);
                    NDArray logits = requireLogits(student.forward(batch, false), 3, "(B, T, 2)", "span F1");
                    long[] shape = logits.getShape().getShape();
                    if (shape[2] != 2) {
                        throw new IllegalArgumentException("span F1 needs logits (B, T, 2), got " + logits.getShape());
                    }
                    int b = (int) shape[0];
                    int t = (int) shape[1];
                    float[] scores = logits.toType(DataType.FLOAT32, false).toFloatArray();
                    long[] mask = batch.attentionMask().toType(DataType.INT64, false).toLongArray();
                    long[] gold = requireLabels(batch, i, "span F1").toType(DataType.INT64, false).toLongArray();
                    if (gold.length != 2L * b) {
                        throw new IllegalArgumentException("eval batch " + i + ": span labels must be (B, 2) = ("
                                + b + ", 2), got " + gold.length + " values");
                    }
                    for (int j = 0; j < b; j++) {
                        int[] pred = bestSpan(scores, mask, j, t, maxAnswerTokens);
                        long gs = gold[2 * j];
                        long ge = gold[2 * j + 1];
                        if (pred[0] == gs && pred[1] == ge) {
                            exact++;
                        }
                        f1Sum += spanF1(pred[0], pred[1], gs, ge);
                        total++;
                    }
                }
            }
            requireExamples(total, "span F1");
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("f1", f1Sum / total);
            metrics.put("exact_match", (double) exact / total);
            metrics.put("examples", (double) total);
            return new Evaluation(metrics, "f1", Evaluation.Direction.HIGHER_IS_BETTER);
        };
    }

    /** Token-overlap F1 of the spans [ps, pe] and [gs, ge] (inclusive); 0 when they are disjoint. */
    static double spanF1(long ps, long pe, long gs, long ge) {
        long overlap = Math.min(pe, ge) - Math.max(ps, gs) + 1;
        if (overlap <= 0) {
            return 0;
        }
        double precision = (double) overlap / (pe - ps + 1);
        double recall = (double) overlap / (ge - gs + 1);
        return 2 * precision * recall / (precision + recall);
    }

    private static int[] bestSpan(float[] scores, long[] mask, int example, int t, int maxLen) {
        double best = Double.NEGATIVE_INFINITY;
        int[] span = {0, 0};
        int base = example * t;
        for (int s = 0; s < t; s++) {
            if (mask[base + s] == 0) {
                continue;
            }
            for (int e = s; e < Math.min(t, s + maxLen); e++) {
                if (mask[base + e] == 0) {
                    continue;
                }
                double v = scores[(base + s) * 2] + scores[(base + e) * 2 + 1];
                if (v > best) {
                    best = v;
                    span[0] = s;
                    span[1] = e;
                }
            }
        }
        return span;
    }

    /**
     * Semantic textual similarity: Spearman ρ ×100 between the cosine of the student's pooled
     * embeddings ({@link ModelOutputs#pooled()}) and the gold scores, through {@link
     * StsEvaluator}. Metrics {@code sts_mean} (primary: the mean over subsets), {@code
     * sts_pooled}, and {@code sts.<subset>} for each subset.
     *
     * @param sts the STS subsets and scoring
     * @param batcher tokenizes texts into batches for the student
     * @param batchSize texts per forward pass
     * @return the evaluator
     * @throws IllegalArgumentException if {@code batchSize} &lt; 1
     */
    public static Evaluator spearman(StsEvaluator sts, TextBatcher batcher, int batchSize) {
        Objects.requireNonNull(sts, "sts");
        Objects.requireNonNull(batcher, "batcher");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= 1");
        }
        return student -> {
            StsEvaluator.Result r = sts.evaluate(texts -> embed(student, batcher, texts, batchSize));
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("sts_mean", r.mean());
            metrics.put("sts_pooled", r.pooled());
            r.perSubset().forEach((k, v) -> metrics.put("sts." + k, v));
            return new Evaluation(metrics, "sts_mean", Evaluation.Direction.HIGHER_IS_BETTER);
        };
    }

    private static float[][] embed(TrainableModel student, TextBatcher batcher, List<String> texts, int batchSize) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batchSize));
            try (NDManager m = student.manager().newSubManager()) {
                NDArray pooled = student.forward(batcher.batch(chunk, m), false).pooled();
                float[] flat = pooled.toType(DataType.FLOAT32, false).toFloatArray();
                int h = (int) pooled.getShape().get(1);
                for (int i = 0; i < chunk.size(); i++) {
                    float[] row = new float[h];
                    System.arraycopy(flat, i * h, row, 0, h);
                    out.add(row);
                }
            }
        }
        return out.toArray(new float[0][]);
    }

    /**
     * Masked-LM perplexity exp(−(1/N) Σ log softmax(z)[label]) over the N labelled positions
     * (labels ≠ {@link TokenBatch#IGNORE_INDEX}) of every batch, from logits (B, T, V) and labels
     * (B, T). Accumulated in double precision on the host per batch. Metrics {@code perplexity}
     * (primary, lower is better), {@code mlm_loss} (the mean negative log-likelihood) and
     * {@code tokens} (N).
     *
     * @param data batches with masked-LM labels (B, T)
     * @return the evaluator
     * @throws NullPointerException if {@code data} is null
     */
    public static Evaluator perplexity(EvalData data) {
        Objects.requireNonNull(data, "data");
        return student -> {
            double nll = 0;
            long count = 0;
            for (int i = 0; i < data.numBatches(); i++) {
                try (NDManager m = student.manager().newSubManager()) {
                    TokenBatch batch = data.batch(i, m);
                    NDArray logits = requireLogits(student.forward(batch, false), 3, "(B, T, V)", "perplexity");
                    NDArray labels = requireLabels(batch, i, "perplexity").toType(DataType.INT64, false);
                    if (!labels.getShape().equals(logits.getShape().slice(0, 2))) {
                        throw new IllegalArgumentException("eval batch " + i + ": masked-LM labels " + labels.getShape()
                                + " must be (B, T) = " + logits.getShape().slice(0, 2));
                    }
                    NDArray labelled = labels.neq(TokenBatch.IGNORE_INDEX);
                    NDArray safe = labels.mul(labelled.toType(DataType.INT64, false)); // ignored -> id 0
                    NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
                    NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1); // (B, T)
                    NDArray masked = picked.mul(labelled.toType(DataType.FLOAT32, false));
                    nll -= masked.sum().getFloat();
                    count += labelled.sum().toType(DataType.INT64, false).getLong();
                }
            }
            requireExamples(count, "perplexity (labelled tokens)");
            double mean = nll / count;
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("perplexity", Math.exp(mean));
            metrics.put("mlm_loss", mean);
            metrics.put("tokens", (double) count);
            return new Evaluation(metrics, "perplexity", Evaluation.Direction.LOWER_IS_BETTER);
        };
    }

    private static NDArray requireLogits(ModelOutputs out, int rank, String shape, String metric) {
        NDArray logits = out.logits();
        if (logits == null) {
            throw new IllegalArgumentException(metric + " needs the student's head logits " + shape
                    + ", but the student has no head; build it with the task's head");
        }
        if (logits.getShape().dimension() != rank) {
            throw new IllegalArgumentException(metric + " needs logits " + shape + ", got " + logits.getShape());
        }
        return logits;
    }

    private static NDArray requireLabels(TokenBatch batch, int index, String metric) {
        if (batch.labels() == null) {
            throw new IllegalArgumentException("eval batch " + index + " has no labels; " + metric
                    + " compares predictions with labels, so EvalData must attach them");
        }
        return batch.labels();
    }

    private static void requireExamples(long n, String metric) {
        if (n == 0) {
            throw new IllegalArgumentException(metric + ": the evaluation data is empty; give at least one batch");
        }
    }
}
