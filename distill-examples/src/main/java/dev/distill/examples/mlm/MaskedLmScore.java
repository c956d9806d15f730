package dev.distill.examples.mlm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.EvalData;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Masked-token accuracy and perplexity on held-out masked text: over the N predicted positions
 * (label ≠ −100) of every batch, accuracy = (1/N) Σ [argmax z = y], NLL = −(1/N) Σ log softmax(z)_y,
 * perplexity = exp(NLL). Every predicted position counts, whether its input was [MASK] (80%),
 * a random token (10%) or the original token (10%), as BERT's evaluation does.
 */
public final class MaskedLmScore {

    /** The figures of one model on one set. */
    public record Result(double accuracy, double perplexity, double nll, long tokens) {
        /** As trainer metrics: accuracy (primary, higher is better), perplexity, mlm_loss. */
        public Evaluation toEvaluation() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("mlm_accuracy", accuracy);
            m.put("perplexity", perplexity);
            m.put("mlm_loss", nll);
            return new Evaluation(m, "mlm_accuracy", Evaluation.Direction.HIGHER_IS_BETTER);
        }
    }

    private MaskedLmScore() {}

    /**
     * Scores a model.
     *
     * @param logits the model's (B, T, V) logits for a batch (only labelled positions are read)
     * @param data held-out batches with masked-LM labels
     * @param manager a manager on the model's device; each batch runs in a sub-manager of it
     */
    public static Result score(Function<TokenBatch, NDArray> logits, EvalData data, NDManager manager) {
        double correct = 0;
        double nll = 0;
        long n = 0;
        for (int i = 0; i < data.numBatches(); i++) {
            try (NDManager m = manager.newSubManager()) {
                TokenBatch b = data.batch(i, m);
                if (b.labels() == null) {
                    throw new IllegalArgumentException("eval batch " + i + " has no masked-LM labels");
                }
                NDArray z = logits.apply(b).toType(DataType.FLOAT32, false);
                NDArray labels = b.labels().toType(DataType.INT64, false);
                NDArray labelled = labels.neq(TokenBatch.IGNORE_INDEX);
                NDArray w = labelled.toType(DataType.FLOAT32, false);
                NDArray safe = labels.mul(labelled.toType(DataType.INT64, false));
                NDArray logp = z.logSoftmax(-1).gather(safe.expandDims(-1), -1).squeeze(-1);
                NDArray hit = z.argMax(-1).eq(labels).toType(DataType.FLOAT32, false);
                float[] v = NDArrays.concat(new NDList(hit.mul(w).sum().reshape(1), logp.mul(w).sum().neg().reshape(1),
                        w.sum().reshape(1))).toFloatArray();
                correct += v[0];
                nll += v[1];
                n += Math.round(v[2]);
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the evaluation set has no masked positions");
        }
        return new Result(correct / n, Math.exp(nll / n), nll / n, n);
    }

    /** The trainer's evaluator: the student's own logits on {@code data}. */
    public static Evaluator evaluator(EvalData data) {
        return student -> score(b -> student.forward(b, false).logits(), data, student.manager()).toEvaluation();
    }
}
