package dev.distill.examples.common;

import ai.djl.ndarray.NDManager;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.eval.StsEvaluator;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.inference.SentenceEmbedder;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import java.util.LinkedHashMap;
import java.util.Map;

/** STS Spearman of an encoder's sentence embeddings, as a trainer {@link Evaluator} too. */
public final class StsEvaluation {

    private StsEvaluation() {}

    /** Scores an encoder on the SemEval STS 2012/2013 test sets (×100). */
    public static StsEvaluator.Result score(StsEvaluator sts, Encoder encoder, TextTokenizer tokenizer, NDManager manager,
            Pooling pooling) {
        return sts.evaluate(new SentenceEmbedder(encoder, tokenizer, manager, pooling, true, 32));
    }

    /** An evaluator for the trainer: primary metric {@code sts_mean}, higher is better. */
    public static Evaluator evaluator(StsEvaluator sts, TextTokenizer tokenizer, Pooling pooling) {
        return student -> {
            Encoder e = ((EncoderStudent) student).encoder();
            StsEvaluator.Result r = score(sts, e, tokenizer, student.manager(), pooling);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("sts_mean", r.mean());
            m.put("sts_pooled", r.pooled());
            return new Evaluation(m, "sts_mean", Evaluation.Direction.HIGHER_IS_BETTER);
        };
    }

}
