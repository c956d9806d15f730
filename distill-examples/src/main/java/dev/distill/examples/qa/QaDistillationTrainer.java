package dev.distill.examples.qa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.TrainableModel;
import dev.distill.core.train.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Task-specific distillation for extractive QA by overriding {@link #computeLoss}: DistilBERT's
 * SQuAD distillation (Sanh et al. 2019) as a trainer subclass, the pattern of the blog post
 * "Weeknotes: Distilling distilled transformers", with the loss written out here instead of
 * composed from library losses.
 *
 * <p>With span logits z (B, T, 2) split into start and end logits, padded positions removed
 * (their logits pushed to −10⁴ before every softmax), T the temperature, p = softmax(z_t / T),
 * q = softmax(z_s / T) over the T positions:
 *
 * <pre>
 * L_ce   = ( T²·KL(p_start ‖ q_start) + T²·KL(p_end ‖ q_end) ) / 2       mean over the batch
 * L_task = ( CE(softmax(z_s,start), y_start) + CE(softmax(z_s,end), y_end) ) / 2
 * L      = α_ce · L_ce + α_task · L_task
 * </pre>
 *
 * KL(p ‖ q) = Σ_i p_i (log p_i − log q_i), PyTorch's {@code KLDivLoss(reduction="batchmean")} of
 * the seed. Labels are the (B, 2) start and end token positions; both terms are logged by name
 * ({@code kl_span}, {@code hard_span}).
 */
public class QaDistillationTrainer extends DistillationTrainer {

    private final double alphaCe;
    private final double alphaTask;
    private final double temperature;

    /**
     * @param alphaCe α_ce, weight of the soft start/end loss
     * @param alphaTask α_task, weight of the hard span loss
     * @param temperature T &gt; 0
     */
    public QaDistillationTrainer(FrozenTeacher teacher, TrainableModel student, TrainerConfig config, double alphaCe,
            double alphaTask, double temperature) {
        super(teacher, student, null, config);
        if (!(alphaCe >= 0 && alphaTask >= 0) || alphaCe + alphaTask == 0 || Double.isInfinite(alphaCe + alphaTask)) {
            throw new IllegalArgumentException("α_ce (" + alphaCe + ") and α_task (" + alphaTask
                    + ") must be finite, >= 0 and not both 0");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature (" + temperature + ") must be finite and > 0; 1-4 is usual");
        }
        this.alphaCe = alphaCe;
        this.alphaTask = alphaTask;
        this.temperature = temperature;
    }

    @Override
    protected LossOutput computeLoss(StepContext ctx) {
        NDArray zs = spanLogits(ctx.student(), "student");
        NDArray zt = spanLogits(ctx.teacher(), "teacher");
        TokenBatch batch = ctx.batch();
        if (!zs.getShape().equals(zt.getShape())) {
            throw new IllegalArgumentException("teacher span logits " + zt.getShape() + " and student span logits "
                    + zs.getShape() + " differ; both models must see the same batch");
        }
        // (B, T, 1): 0 on real tokens, −10⁴ on padding, so padding gets no probability.
        NDArray padding = Scalars.mul(batch.attentionMask().toType(DataType.FLOAT32, false).sub(1f), 1e4f).expandDims(2);
        float t = (float) temperature;
        NDArray logP = Scalars.div(zt.add(padding), t).logSoftmax(1); // (B, T, 2), softmax over positions
        NDArray logQ = Scalars.div(zs.add(padding), t).logSoftmax(1);
        NDArray kl = logP.exp().mul(logP.sub(logQ)).sum(new int[] {1}); // (B, 2)
        NDArray lossCe = Scalars.mul(kl.mean(), t * t); // mean over B and {start, end} = (KL_s + KL_e) / 2

        NDArray labels = batch.labels();
        if (labels == null || !labels.getShape().equals(new ai.djl.ndarray.types.Shape(zs.getShape().get(0), 2))) {
            throw new IllegalArgumentException("the hard span loss needs labels (B, 2) of start and end positions, got "
                    + (labels == null ? "none" : labels.getShape()) + "; collate the batches with LabelKind.SPAN");
        }
        NDArray logQ1 = zs.add(padding).logSoftmax(1).transpose(0, 2, 1); // (B, 2, T)
        NDArray picked = logQ1.gather(labels.toType(DataType.INT64, false).expandDims(2), 2).squeeze(2); // (B, 2)
        NDArray lossTask = picked.neg().mean();

        NDArray total = Scalars.mul(lossCe, (float) alphaCe).add(Scalars.mul(lossTask, (float) alphaTask));
        Map<String, NDArray> terms = new LinkedHashMap<>();
        terms.put("kl_span", lossCe);
        terms.put("hard_span", lossTask);
        return new LossOutput(total, terms);
    }

    private static NDArray spanLogits(ModelOutputs out, String who) {
        NDArray z = out.logits();
        if (z == null || z.getShape().dimension() != 3 || z.getShape().get(2) != 2) {
            throw new IllegalArgumentException("the " + who + " must have a span head with logits (B, T, 2), got "
                    + (z == null ? "no logits" : z.getShape().toString()) + "; build it with SpanQaHead");
        }
        return z;
    }

    public double alphaCe() {
        return alphaCe;
    }

    public double alphaTask() {
        return alphaTask;
    }

    public double temperature() {
        return temperature;
    }
}
