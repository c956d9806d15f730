package dev.distill.core.loss;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link LossOutput#plus} and {@link StepContext#requireTrained}, against numbers worked out by hand. */
class LossOutputTest {

    @Test
    void plusAddsTheWeightedTermAndReportsItUnweighted() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(3f);
            NDArray b = m.create(4f);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            LossOutput out;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                out = new LossOutput(a.mul(m.create(2f)), Map.of("library", a)).plus("mine", 0.5, b.square());
                c.backward(out.total());
            }
            // total = 2·3 + 0.5·4² = 14; d/da = 2, d/db = 0.5·2·4 = 4
            assertEquals(14f, out.total().getFloat(), 1e-6);
            assertEquals(List.of("library", "mine"), List.copyOf(out.terms().keySet()));
            assertEquals(16f, out.terms().get("mine").getFloat(), 1e-6);
            assertEquals(2f, a.getGradient().getFloat(), 1e-6);
            assertEquals(4f, b.getGradient().getFloat(), 1e-6);
        }
    }

    @Test
    void plusRefusesATakenNameABadWeightAndANonScalar() {
        try (NDManager m = NDManager.newBaseManager()) {
            LossOutput base = LossOutput.of("hidden_mse", m.create(1f));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> base.plus("hidden_mse", 1, m.create(2f)));
            assertTrue(e.getMessage().contains("'hidden_mse' is already in this loss"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> base.plus("mine", -1, m.create(2f)));
            assertTrue(e.getMessage().contains("weight of 'mine' (-1.0) must be finite and >= 0"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> base.plus("mine", Double.NaN, m.create(2f)));
            e = assertThrows(IllegalArgumentException.class, () -> base.plus("mine", 1, m.ones(new Shape(2, 3))));
            assertTrue(e.getMessage().contains("must be a scalar, got shape (2, 3)"), e.getMessage());
        }
    }

    @Test
    void requireTrainedRefusesALossWhoseParametersTheTrainerDoesNotOptimise() {
        Parameter w = Parameter.builder().setName("hidden_mse.projection.weight").setType(Parameter.Type.WEIGHT)
                .build();
        DistillationLoss owner = new DistillationLoss() {
            @Override
            public LossOutput compute(StepContext ctx) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<Parameter> trainableParameters() {
                return List.of(w);
            }
        };
        StepContext untrained = new StepContext(null, null, null, 0, null, Set.of("some-other-id"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> untrained.requireTrained("hidden_mse", owner));
        assertTrue(e.getMessage().contains("loss 'hidden_mse' has trainable parameters [hidden_mse.projection.weight]"
                + " that this trainer does not optimise"), e.getMessage());
        assertTrue(e.getMessage().contains("pass the loss"), e.getMessage());
        assertDoesNotThrow(() -> new StepContext(null, null, null, 0, null, Set.of(w.getId()))
                .requireTrained("hidden_mse", owner));
        // outside a trainer (tests, direct calls) nothing is known and nothing is checked
        assertDoesNotThrow(() -> new StepContext(null, null, null, 0, null).requireTrained("hidden_mse", owner));
    }
}
