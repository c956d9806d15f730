package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.Initializer;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A loss written by a user against the {@link DistillationLoss} interface only, with a trainable
 * parameter of its own, combined with a library loss in a {@link WeightedSumLoss} and optimised
 * for a few steps of hand-written gradient descent.
 */
class CustomLossTest {

    /** Mean squared distance between the student's and teacher's pooled embeddings after a learned gain g. */
    static final class GainedPooledMse implements DistillationLoss {
        private Parameter gain;

        @Override
        public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
            gain = Parameter.builder().setName("my_gain").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1)).optInitializer(Initializer.ONES).build();
            gain.initialize(manager, DataType.FLOAT32);
        }

        @Override
        public List<Parameter> trainableParameters() {
            return List.of(gain);
        }

        @Override
        public LossOutput compute(StepContext ctx) {
            NDArray scaled = ctx.student().pooled().mul(gain.getArray()); // op on the activation
            return LossOutput.of("gained_mse", scaled.sub(ctx.teacher().pooled()).square().mean());
        }
    }

    @Test
    void aUserLossTrainsItsParameterAlongsideALibraryLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            NDArray mask = m.ones(new Shape(2, 3), DataType.INT64);
            NDArray x = m.randomNormal(new Shape(2, 4));
            NDArray teacherPooled = x.mul(3); // the best gain is 3
            NDArray classes = m.randomNormal(new Shape(2, 5));
            ModelOutputs teacher = outputs(m, teacherPooled, classes, mask);
            ModelOutputs student = outputs(m, x, classes, mask);
            TokenBatch batch = new TokenBatch(mask.zerosLike(), mask, null, null, 6);
            GainedPooledMse mine = new GainedPooledMse();
            WeightedSumLoss loss = WeightedSumLoss.builder()
                    .add("mine", 1, mine)
                    .add("soft", 0.5, SoftTargetLoss.kl(LogitsLayout.CLASSES, 2))
                    .build();
            loss.initialize(m, new ModelDims(1, 4, 1, 4, 5), new ModelDims(1, 4, 1, 4, 5));
            Parameter gain = loss.trainableParameters().get(0);
            assertEquals("my_gain", gain.getName());

            List<Float> history = new ArrayList<>();
            for (int step = 0; step < 20; step++) {
                try (NDManager stepManager = m.newSubManager()) {
                    StepContext ctx = new StepContext(teacher, student, batch, step, stepManager);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        LossOutput out = loss.compute(ctx);
                        history.add(out.total().getFloat());
                        assertTrue(out.terms().containsKey("mine") && out.terms().containsKey("soft"));
                        gc.backward(out.total());
                    }
                    NDArray g = gain.getArray();
                    NDArray updated = g.sub(g.getGradient().mul(0.1f));
                    g.set(updated.toFloatArray()); // plain gradient descent, in place
                    g.getGradient().set(new float[] {0f}); // gradients accumulate across collectors
                }
            }
            for (int i = 1; i < history.size(); i++) {
                assertTrue(history.get(i) < history.get(i - 1), "loss decreases at step " + i + ": " + history);
            }
            assertEquals(3f, gain.getArray().getFloat(0), 0.05f, "the gain converges to the teacher's scale");
        }
    }

    private static ModelOutputs outputs(NDManager m, NDArray pooled, NDArray logits, NDArray mask) {
        return new ModelOutputs(List.of(m.zeros(new Shape(2, 3, 4))), List.of(), null, null, null, null, pooled,
                logits, mask);
    }
}
