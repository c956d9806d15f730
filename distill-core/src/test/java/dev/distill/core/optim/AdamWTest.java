package dev.distill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW against torch.optim.AdamW trajectories (make_optim_fixtures.py). */
class AdamWTest {

    private static final float PARAM_TOL = 1e-5f;

    /** The parameters of a fixture run, created in {@code manager} with their initial values. */
    private static Map<String, NDArray> initialParams(NDManager manager, JsonObject run) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (JsonElement e : run.getAsJsonArray("params")) {
            JsonObject p = e.getAsJsonObject();
            NDArray a = manager.create(OptimFixtures.floats(p.get("init")),
                    new Shape(OptimFixtures.longs(p.get("shape"))));
            a.setRequiresGradient(true);
            params.put(p.get("name").getAsString(), a);
        }
        return params;
    }

    private static AdamW optimizer(JsonObject run, Map<String, NDArray> params) {
        JsonObject h = run.getAsJsonObject("hyper");
        return AdamW.builder()
                .optBetas(h.get("beta1").getAsFloat(), h.get("beta2").getAsFloat())
                .optEps(h.get("eps").getAsFloat())
                .optWeightDecay(h.get("weight_decay").getAsFloat())
                .build(params);
    }

    private static LearningRateSchedule schedule(JsonObject run) {
        JsonObject h = run.getAsJsonObject("hyper");
        float lr = h.get("lr").getAsFloat();
        long warmup = h.get("warmup").getAsLong();
        long total = h.get("total").getAsLong();
        return h.get("schedule").getAsString().equals("linear")
                ? LearningRateSchedule.linearWarmupLinearDecay(lr, warmup, total)
                : LearningRateSchedule.linearWarmupCosineDecay(lr, warmup, total);
    }

    /**
     * Sets every gradient to the fixture's through autograd: L = Σ sum(g_fixed ⊙ p), so
     * ∂L/∂p = g_fixed.
     */
    private static void backwardFixedGradients(NDManager manager, Map<String, NDArray> params,
            JsonObject grads) {
        try (NDManager scope = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = scope.create(OptimFixtures.floats(grads.get(e.getKey())), e.getValue().getShape());
                NDArray term = g.mul(e.getValue()).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    /** Runs steps [from, to) of a fixture run, checking lr, clipping and parameters after each. */
    private static void runSteps(NDManager manager, JsonObject run, Map<String, NDArray> params,
            AdamW opt, int from, int to) {
        JsonObject h = run.getAsJsonObject("hyper");
        LearningRateSchedule schedule = schedule(run);
        boolean clip = !h.get("max_norm").isJsonNull();
        for (int t = from; t < to; t++) {
            JsonObject step = run.getAsJsonArray("steps").get(t).getAsJsonObject();
            assertEquals(t, opt.stepCount());
            float lr = schedule.at(opt.stepCount());
            assertEquals(step.get("lr").getAsDouble(), lr, 1e-7, "lr at step " + t);

            opt.zeroGradients();
            backwardFixedGradients(manager, params, step.getAsJsonObject("grads"));
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    assertArrayEquals(OptimFixtures.floats(step.getAsJsonObject("grads").get(e.getKey())),
                            g.toFloatArray(), 1e-7f, "gradient fed for " + e.getKey());
                }
            }
            if (clip) {
                try (NDManager logScope = manager.newSubManager()) {
                    NDArray norm = opt.clipGradientNorm(logScope, h.get("max_norm").getAsFloat());
                    float want = step.get("norm").getAsFloat();
                    assertEquals(want, norm.getFloat(), 1e-5f * want, "global norm at step " + t);
                }
                for (Map.Entry<String, NDArray> e : params.entrySet()) {
                    try (NDArray g = e.getValue().getGradient()) {
                        assertArrayEquals(OptimFixtures.floats(step.getAsJsonObject("clipped").get(e.getKey())),
                                g.toFloatArray(), 1e-6f, "clipped gradient of " + e.getKey() + " at step " + t);
                    }
                }
            }
            opt.step(lr);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                assertArrayEquals(OptimFixtures.floats(step.getAsJsonObject("after").get(e.getKey())),
                        e.getValue().toFloatArray(), PARAM_TOL, e.getKey() + " after step " + t);
            }
        }
    }

    @Test
    void matchesTorchWithLinearWarmupAndClipping() {
        JsonObject run = OptimFixtures.run("linear_clip");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = initialParams(manager, run);
            try (AdamW opt = optimizer(run, params)) {
                assertGroupsMatchFixture(run, opt);
                runSteps(manager, run, params, opt, 0, 10);
                assertEquals(10, opt.stepCount());
            }
        }
    }

    @Test
    void matchesTorchWithCosineScheduleAndOtherHyperparameters() {
        JsonObject run = OptimFixtures.run("cosine_noclip");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = initialParams(manager, run);
            try (AdamW opt = optimizer(run, params)) {
                runSteps(manager, run, params, opt, 0, 10);
            }
        }
    }

    /** eps 1e-2, β₂ 0.9, λ 0.5: sensitive to where ε goes and to decaying before the update. */
    @Test
    void matchesTorchWhereEpsAndDecayOrderMatter() {
        JsonObject run = OptimFixtures.run("large_eps_and_decay");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = initialParams(manager, run);
            try (AdamW opt = optimizer(run, params)) {
                runSteps(manager, run, params, opt, 0, 10);
            }
        }
    }

    private static void assertGroupsMatchFixture(JsonObject run, AdamW opt) {
        List<String> decay = new ArrayList<>();
        List<String> noDecay = new ArrayList<>();
        for (JsonElement e : run.getAsJsonArray("params")) {
            JsonObject p = e.getAsJsonObject();
            (p.get("decay").getAsBoolean() ? decay : noDecay).add(p.get("name").getAsString());
        }
        assertEquals(decay, opt.decayNames());
        assertEquals(noDecay, opt.noDecayNames());
    }

    @Test
    void exportThenImportIntoAFreshOptimizerContinuesExactly() {
        JsonObject run = OptimFixtures.run("linear_clip");
        Map<String, TensorData> state;
        Map<String, float[]> paramsAtFive = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = initialParams(manager, run);
            try (AdamW opt = optimizer(run, params)) {
                runSteps(manager, run, params, opt, 0, 5);
                state = opt.exportState();
            }
            params.forEach((k, v) -> paramsAtFive.put(k, v.toFloatArray()));
        }
        assertEquals(1 + 2 * paramsAtFive.size(), state.size());
        assertEquals(5L, state.get(AdamW.STEP_KEY).data().order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        assertArrayEquals(new long[] {5, 3},
                state.get("exp_avg.embeddings.word_embeddings.weight").shape());

        // A new process would have only the checkpoint: new arrays, new optimizer.
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            paramsAtFive.forEach((k, v) -> {
                NDArray a = manager.create(v, new Shape(OptimFixtures.longs(
                        paramSpec(run, k).get("shape"))));
                a.setRequiresGradient(true);
                params.put(k, a);
            });
            try (AdamW opt = optimizer(run, params)) {
                opt.importState(state);
                assertEquals(5, opt.stepCount());
                runSteps(manager, run, params, opt, 5, 10); // same values as the uninterrupted run
            }
        }
    }

    private static JsonObject paramSpec(JsonObject run, String name) {
        for (JsonElement e : run.getAsJsonArray("params")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void mismatchedStateListsEveryProblem() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> a = new LinkedHashMap<>();
            a.put("dense.weight", trainable(manager, new Shape(2, 3)));
            a.put("dense.bias", trainable(manager, new Shape(3)));
            a.put("out.weight", trainable(manager, new Shape(3, 1)));
            Map<String, TensorData> state;
            try (AdamW opt = AdamW.builder().build(a)) {
                opt.step(0.1f);
                state = opt.exportState();
            }
            Map<String, NDArray> b = new LinkedHashMap<>();
            b.put("dense.weight", trainable(manager, new Shape(3, 2))); // wrong shape
            b.put("dense.bias", trainable(manager, new Shape(3)));      // fine
            b.put("head.weight", trainable(manager, new Shape(3, 1)));  // renamed
            try (AdamW opt = AdamW.builder().build(b)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> opt.importState(state));
                String msg = e.getMessage();
                assertTrue(msg.contains("6 problems"), msg);
                assertTrue(msg.contains("wrong shape for exp_avg.dense.weight: state has [2, 3], parameter has [3, 2]"), msg);
                assertTrue(msg.contains("wrong shape for exp_avg_sq.dense.weight"), msg);
                assertTrue(msg.contains("missing exp_avg.head.weight"), msg);
                assertTrue(msg.contains("missing exp_avg_sq.head.weight"), msg);
                assertTrue(msg.contains("unexpected exp_avg.out.weight"), msg);
                assertTrue(msg.contains("unexpected exp_avg_sq.out.weight"), msg);
                assertEquals(0, opt.stepCount(), "a rejected state changes nothing");

                Map<String, TensorData> noStep = new LinkedHashMap<>(state);
                noStep.remove(AdamW.STEP_KEY);
                String m2 = assertThrows(IllegalArgumentException.class, () -> opt.importState(noStep)).getMessage();
                assertTrue(m2.contains("missing step"), m2);

                Map<String, TensorData> floatStep = Map.of(AdamW.STEP_KEY, TensorData.ofFloats(new long[0], new float[] {3f}));
                String m3 = assertThrows(IllegalArgumentException.class, () -> opt.importState(floatStep)).getMessage();
                assertTrue(m3.contains("expected an I64 scalar"), m3);
            }
        }
    }

    @Test
    void stateBeforeTheFirstStepIsJustTheCounter() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> a = Map.of("w", trainable(manager, new Shape(2)));
            try (AdamW opt = AdamW.builder().build(a)) {
                Map<String, TensorData> state = opt.exportState();
                assertEquals(List.of(AdamW.STEP_KEY), new ArrayList<>(state.keySet()));
                opt.step(0.1f);
                opt.importState(state); // back to a fresh optimiser
                assertEquals(0, opt.stepCount());
                assertEquals(1, opt.exportState().size()); // moments gone again
            }
        }
    }

    /**
     * Two micro-batches with loss/2 each, accumulated, then one step equals torch's step on
     * the full-batch mean loss (fixture "accumulation").
     */
    @Test
    void twoHalfBatchBackwardsThenOneStepEqualsTheFullBatchStep() {
        JsonObject f = OptimFixtures.root().getAsJsonObject("accumulation");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(OptimFixtures.floats(f.get("x")), new Shape(4, 3));
            NDArray y = manager.create(OptimFixtures.floats(f.get("y")), new Shape(4, 2));
            NDArray w = manager.create(OptimFixtures.floats(f.get("w")), new Shape(3, 2));
            NDArray b = manager.create(OptimFixtures.floats(f.get("b")), new Shape(2));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("linear.weight", w);
            params.put("linear.bias", b);
            GradientAccumulation acc = new GradientAccumulation(2);
            try (AdamW opt = AdamW.builder().optWeightDecay(f.get("weight_decay").getAsFloat()).build(params)) {
                opt.zeroGradients();
                for (int micro = 0; micro < 2; micro++) {
                    try (NDManager scope = manager.newSubManager();
                            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray xs = x.get(micro * 2 + ":" + (micro * 2 + 2));
                        NDArray ys = y.get(micro * 2 + ":" + (micro * 2 + 2));
                        xs.attach(scope);
                        ys.attach(scope);
                        NDArray loss = xs.matMul(w).add(b).sub(ys).square().mean();
                        gc.backward(acc.scaleLoss(loss));
                    }
                    assertEquals(micro == 1, acc.isLastMicroBatch(micro));
                }
                try (NDArray gw = w.getGradient(); NDArray gb = b.getGradient()) {
                    assertArrayEquals(OptimFixtures.floats(f.get("grad_w")), gw.toFloatArray(), 1e-6f);
                    assertArrayEquals(OptimFixtures.floats(f.get("grad_b")), gb.toFloatArray(), 1e-6f);
                }
                opt.step(f.get("lr").getAsFloat());
                assertArrayEquals(OptimFixtures.floats(f.get("after_w")), w.toFloatArray(), PARAM_TOL);
                assertArrayEquals(OptimFixtures.floats(f.get("after_b")), b.toFloatArray(), PARAM_TOL);
            }
        }
    }

    @Test
    void zeroGradientsClearsNonFiniteGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = trainable(manager, new Shape(3));
            try (AdamW opt = AdamW.builder().build(Map.of("w", p))) {
                opt.zeroGradients(); // before any backward: must not fail
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray g = manager.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 2f});
                    gc.backward(g.mul(p).sum());
                }
                opt.zeroGradients();
                try (NDArray g = p.getGradient()) {
                    assertArrayEquals(new float[] {0f, 0f, 0f}, g.toFloatArray());
                }
            }
        }
    }

    @Test
    void stepWithAnOpenGradientCollectorSaysToCloseIt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = trainable(manager, new Shape(3));
            try (AdamW opt = AdamW.builder().build(Map.of("w", p))) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(manager.ones(new Shape(3)).mul(p).sum());
                    float[] before = p.toFloatArray();
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.step(0.1f));
                    assertTrue(e.getMessage().contains("close the GradientCollector"), e.getMessage());
                    assertArrayEquals(before, p.toFloatArray(), 0f);
                    assertEquals(0, opt.stepCount());
                    assertEquals(1, opt.exportState().size(), "no moments were created");
                }
            }
        }
    }

    /** No array stays behind in any manager: what a step creates dies with the step. */
    @Test
    void stepsLeaveNoArraysBehind() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("a.weight", trainable(manager, new Shape(4, 4)));
            params.put("a.bias", trainable(manager, new Shape(4)));
            try (AdamW opt = AdamW.builder().build(params)) {
                Runnable oneStep = () -> {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                            NDManager scope = manager.newSubManager()) {
                        NDArray g = scope.ones(new Shape(4, 4)); // the test's own arrays live in scope
                        NDArray loss = g.mul(params.get("a.weight")).sum().add(g.get(0).mul(params.get("a.bias")).sum());
                        gc.backward(loss);
                    }
                    try (NDManager logScope = manager.newSubManager()) {
                        opt.clipGradientNorm(logScope, 1f);
                    }
                    opt.step(1e-3f);
                    opt.zeroGradients();
                };
                oneStep.run();
                int after1 = ((BaseNDManager) manager).getManagedArrays().size();
                for (int i = 0; i < 50; i++) {
                    oneStep.run();
                }
                assertEquals(after1, ((BaseNDManager) manager).getManagedArrays().size());
            }
        }
    }

    @Test
    void frozenParametersAreLeftOutAndDjlParametersWork() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameter trainable = Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                    .optArray(manager.ones(new Shape(2))).build();
            Parameter frozen = Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                    .optArray(manager.ones(new Shape(2))).optRequiresGrad(false).build();
            trainable.getArray().setRequiresGradient(true);
            Map<String, Parameter> named = new LinkedHashMap<>();
            named.put("enc.dense.weight", trainable);
            named.put("enc.dense.bias", frozen);
            try (AdamW opt = AdamW.builder().buildFromParameters(named)) {
                assertEquals(List.of("enc.dense.weight"), opt.decayNames());
                assertEquals(List.of(), opt.noDecayNames());
                assertEquals(1, opt.parameterArrays().size());
            }
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> AdamW.builder().buildFromParameters(Map.of("enc.dense.bias", frozen))).getMessage();
            assertTrue(msg.contains("requires a gradient"), msg);
        }
    }

    @Test
    void customRuleOverridesTheDefault() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("dense.bias", trainable(manager, new Shape(2)));
            params.put("dense.weight", trainable(manager, new Shape(2)));
            try (AdamW opt = AdamW.builder().optWeightDecayRule(WeightDecayRule.all()).build(params)) {
                assertEquals(List.of("dense.bias", "dense.weight"), opt.decayNames());
            }
            try (AdamW opt = AdamW.builder().optWeightDecayRule(n -> n.startsWith("dense.b")).build(params)) {
                assertEquals(List.of("dense.bias"), opt.decayNames());
            }
        }
    }

    /** Hand-derived: after one step with λ = 0, |Δp| = η for every element with g ≠ 0 (m̂/√v̂ = ±1). */
    @Test
    void firstStepMovesEachElementByTheLearningRate() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(new float[] {1f, -2f, 3f});
            p.setRequiresGradient(true);
            try (AdamW opt = AdamW.builder().optWeightDecay(0f).optEps(1e-12f).build(Map.of("w", p))) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(manager.create(new float[] {0.5f, -4f, 1e-3f}).mul(p).sum());
                }
                opt.step(0.1f);
                assertArrayEquals(new float[] {0.9f, -1.9f, 2.9f}, p.toFloatArray(), 1e-6f);
            }
        }
    }

    @Test
    void invalidSettingsNameTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder().optBetas(1f, 0.999f).build(Map.of())).getMessage().contains("beta1 (1.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder().optEps(0f).build(Map.of())).getMessage().contains("eps (0.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder().optWeightDecay(-1f).build(Map.of())).getMessage().contains("weightDecay (-1.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder().build(Map.of())).getMessage().contains("no parameters"));
        try (NDManager manager = NDManager.newBaseManager()) {
            try (AdamW opt = AdamW.builder().build(Map.of("w", trainable(manager, new Shape(1))))) {
                assertTrue(assertThrows(IllegalArgumentException.class, () -> opt.step(Float.NaN))
                        .getMessage().contains("learningRate (NaN)"));
            }
        }
    }

    private static NDArray trainable(NDManager manager, Shape shape) {
        NDArray a = manager.randomNormal(shape);
        a.setRequiresGradient(true);
        return a;
    }
}
