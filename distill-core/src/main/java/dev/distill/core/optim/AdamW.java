// Over 400 lines: the optimizer, its owned state (moments, step) and the save/restore of that
// state for exact resume belong together (412 lines of code); the rest is Javadoc.
package dev.distill.core.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.distill.core.io.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019), with the exact update of {@code torch.optim.AdamW} (PyTorch 1.13,
 * {@code amsgrad=False}), and moment arrays that this class owns so that a checkpoint can save
 * and restore them ({@link #exportState()}, {@link #importState(Map)}). DJL's optimisers keep
 * their state private, so a resumed run with them restarts Adam from zero moments.
 *
 * <h2>Update</h2>
 *
 * For every parameter p with gradient g, at step t = 1, 2, … (t counts calls to {@link
 * #step(float)}), learning rate η and weight decay λ (λ = 0 for parameters outside the decay
 * group):
 *
 * <pre>
 *   p ← p · (1 − η·λ)                      decoupled decay, applied to p before the Adam step
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   denom = √v / √(1 − β₂ᵗ) + ε            ε is added after the bias correction of √v
 *   p ← p − η / (1 − β₁ᵗ) · m / denom
 * </pre>
 *
 * m and v start at zero and are created on the first step, on each parameter's device with its
 * data type. The bias corrections and η·λ are computed on the host in double precision from the
 * step counter, never read back from the device.
 *
 * <h2>Groups</h2>
 *
 * A {@link WeightDecayRule} splits the parameters by name into a decay group (λ = {@code
 * weightDecay}) and a no-decay group (λ = 0); the default, {@link WeightDecayRule#huggingFace()},
 * excludes biases and LayerNorm parameters. Parameters whose array does not require a gradient
 * (frozen) are left out entirely.
 *
 * <h2>Use</h2>
 *
 * <pre>{@code
 * try (AdamW opt = AdamW.builder().optWeightDecay(0.01f).build(namedParameters)) {
 *     for (long t = 0; t < total; t++) {
 *         try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *             gc.backward(loss);                   // gradients accumulate; nothing zeroes them
 *         }                                        // close the collector before stepping
 *         GradientClipping.clipParameterGradients(stepManager, opt.parameterArrays(), 1f);
 *         opt.step(schedule.at(t));
 *         opt.zeroGradients();
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #step(float)} updates the parameter arrays in place (their identity, manager and
 * device never change) and must run with no {@code GradientCollector} open: PyTorch refuses an
 * in-place update of a leaf that requires a gradient while autograd records. Temporaries of a
 * step live in a sub-manager closed at the end of the step, and scalars are 0-d host tensors
 * (a scalar created on a GPU manager would be a blocking host-to-device copy), so a step never
 * waits for the device.
 *
 * <p>Not thread-safe. Close it to free the moments.
 */
public final class AdamW implements AutoCloseable {

    /** Key of the step counter in {@link #exportState()}; an I64 scalar. */
    public static final String STEP_KEY = "step";
    /** Key prefix of the first moments m in {@link #exportState()}, followed by the name. */
    public static final String EXP_AVG_PREFIX = "exp_avg.";
    /** Key prefix of the second moments v in {@link #exportState()}, followed by the name. */
    public static final String EXP_AVG_SQ_PREFIX = "exp_avg_sq.";

    private static final String COLLECTOR_OPEN = "autograd is recording (a GradientCollector "
            + "is open) and PyTorch forbids in-place updates of parameters then: close the "
            + "GradientCollector before calling step()";

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final WeightDecayRule weightDecayRule;
    private final List<Slot> slots;
    private final List<NDArray> parameterArrays;
    private final NDManager stateManager;
    /** 0-d float32 host tensors for the constants β₁, 1−β₁, β₂, 1−β₂, ε. */
    private final NDManager hostConstants;
    private final NDArray hBeta1;
    private final NDArray hOneMinusBeta1;
    private final NDArray hBeta2;
    private final NDArray hOneMinusBeta2;
    private final NDArray hEps;
    private long stepCount;
    private boolean closed;

    /** One parameter and its moments (null until the first step). */
    private static final class Slot {
        final String name;
        final NDArray param;
        final boolean decays;
        NDArray expAvg;
        NDArray expAvgSq;

        Slot(String name, NDArray param, boolean decays) {
            this.name = name;
            this.param = param;
            this.decays = decays;
        }
    }

    private AdamW(Builder b, Map<String, NDArray> params) {
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.weightDecayRule = b.weightDecayRule;
        List<Slot> s = new ArrayList<>();
        List<NDArray> arrays = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray array = e.getValue();
            if (!array.hasGradient()) {
                continue; // frozen
            }
            s.add(new Slot(e.getKey(), array, weightDecayRule.decays(e.getKey())));
            arrays.add(array);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("none of the " + params.size()
                    + " parameters requires a gradient, so AdamW has nothing to train; "
                    + "unfreeze the student (Parameter.freeze(false)) or pass the trainable "
                    + "parameters");
        }
        this.slots = Collections.unmodifiableList(s);
        this.parameterArrays = Collections.unmodifiableList(arrays);
        NDManager owner = b.manager != null ? b.manager : s.get(0).param.getManager();
        this.stateManager = owner.newSubManager();
        this.stateManager.setName("AdamW state");
        this.hostConstants = stateManager.newSubManager(Device.cpu());
        this.hBeta1 = hostConstants.create(beta1);
        this.hOneMinusBeta1 = hostConstants.create(1f - beta1);
        this.hBeta2 = hostConstants.create(beta2);
        this.hOneMinusBeta2 = hostConstants.create(1f - beta2);
        this.hEps = hostConstants.create(eps);
    }

    /**
     * A builder with PyTorch's defaults except weight decay: β=(0.9, 0.999), ε=1e-8, λ=0.01.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One AdamW update of every trainable parameter from its current gradient ({@code
     * param.getGradient()}), then increments the step counter. Gradients are read, not zeroed:
     * call {@link #zeroGradients()} before the next accumulation starts.
     *
     * @param learningRate η for this step, usually {@code schedule.at(stepCount())}; finite and
     *     ≥ 0 (0 is legal: Hugging Face's warm-up starts there)
     * @throws IllegalStateException if a {@code GradientCollector} is still open
     */
    public void step(float learningRate) {
        ensureOpen();
        if (!Float.isFinite(learningRate) || learningRate < 0f) {
            throw new IllegalArgumentException("learningRate (" + learningRate
                    + ") must be finite and >= 0; check the schedule's peak learning rate");
        }
        if (PyTorchHooks.isRecording()) {
            throw new IllegalStateException(COLLECTOR_OPEN);
        }
        long t = stepCount + 1;
        double biasCorrection1 = 1.0 - Math.pow(beta1, t);
        double biasCorrection2 = 1.0 - Math.pow(beta2, t);
        float negStepSize = (float) (-(double) learningRate / biasCorrection1);
        float sqrtBiasCorrection2 = (float) Math.sqrt(biasCorrection2);
        float decayFactor = (float) (1.0 - (double) learningRate * weightDecay);
        try (NDManager scope = stateManager.newSubManager();
                NDManager host = scope.newSubManager(Device.cpu())) {
            NDArray hNegStepSize = host.create(negStepSize);
            NDArray hSqrtBc2 = host.create(sqrtBiasCorrection2);
            NDArray hDecay = host.create(decayFactor);
            for (Slot slot : slots) {
                NDArray p = slot.param;
                // getGradient wraps the grad in a new handle on the parameter's manager: move
                // the wrapper (not the storage, which autograd keeps) into the step scope.
                NDArray g = p.getGradient();
                g.attach(scope);
                if (slot.expAvg == null) {
                    slot.expAvg = zerosLike(p);
                    slot.expAvgSq = zerosLike(p);
                }
                NDArray m = slot.expAvg;
                NDArray v = slot.expAvgSq;
                try {
                    if (slot.decays && weightDecay != 0f) {
                        p.muli(hDecay);
                    }
                    m.muli(hBeta1).addi(g.mul(hOneMinusBeta1));
                    v.muli(hBeta2).addi(g.mul(g).muli(hOneMinusBeta2));
                    // Results of ops on m and v attach to the state manager: re-home them.
                    NDArray denom = v.sqrt();
                    denom.attach(scope);
                    denom.divi(hSqrtBc2).addi(hEps);
                    NDArray update = m.div(denom);
                    update.attach(scope);
                    p.addi(update.muli(hNegStepSize));
                } catch (RuntimeException e) {
                    throw inPlaceFailure(slot.name, e);
                }
            }
        }
        stepCount = t;
    }

    /**
     * Sets every trainable parameter's gradient to zero in place, as {@code
     * optimizer.zero_grad(set_to_none=False)} does (DJL never zeroes gradients itself: every
     * {@code backward} adds to them). On the PyTorch engine this is {@code grad.zero_()}, so a
     * NaN or infinite gradient becomes 0 too; elsewhere it falls back to {@code g -= g}.
     */
    public void zeroGradients() {
        ensureOpen();
        try (NDManager scope = stateManager.newSubManager()) {
            for (Slot slot : slots) {
                PyTorchHooks.zeroGradient(slot.param, scope);
            }
        }
    }

    /**
     * Clips the global L2 norm of all trainable gradients to {@code maxNorm}, see {@link
     * GradientClipping#clipParameterGradients(NDManager, java.util.Collection, float)}.
     *
     * @param resultManager owner of the returned norm
     * @param maxNorm the bound c; 0 only measures the norm
     * @return the norm before clipping, a 0-d array on the parameters' device
     */
    public NDArray clipGradientNorm(NDManager resultManager, float maxNorm) {
        ensureOpen();
        return GradientClipping.clipParameterGradients(resultManager, parameterArrays, maxNorm);
    }

    /** {@return the number of completed {@link #step(float)} calls (PyTorch's {@code state['step']})} */
    public long stepCount() {
        return stepCount;
    }

    /**
     * The trainable parameter arrays, in the order given, frozen ones left out.
     *
     * @return an immutable list of the arrays themselves (not copies)
     */
    public List<NDArray> parameterArrays() {
        return parameterArrays;
    }

    /**
     * Names of the trainable parameters that get weight decay, in the order given.
     *
     * @return an immutable list
     */
    public List<String> decayNames() {
        return names(true);
    }

    /**
     * Names of the trainable parameters that get no weight decay, in the order given.
     *
     * @return an immutable list
     */
    public List<String> noDecayNames() {
        return names(false);
    }

    /** {@return β₁, the decay rate of the first moment m} */
    public float beta1() {
        return beta1;
    }

    /** {@return β₂, the decay rate of the second moment v} */
    public float beta2() {
        return beta2;
    }

    /** {@return ε, added to the bias-corrected √v} */
    public float eps() {
        return eps;
    }

    /** {@return λ of the decay group (the no-decay group has 0)} */
    public float weightDecay() {
        return weightDecay;
    }

    /** {@return which parameters get weight decay} */
    public WeightDecayRule weightDecayRule() {
        return weightDecayRule;
    }

    /**
     * Copies the state to the heap: {@value #STEP_KEY} (I64 scalar) and, once a step has run,
     * {@code exp_avg.<name>} and {@code exp_avg_sq.<name>} for every trainable parameter, in
     * the parameter's shape and data type. Names follow PyTorch's per-parameter state keys.
     * This reads the device and belongs at checkpoint time, not in the training step.
     *
     * @return a new ordered map of heap copies
     */
    public Map<String, TensorData> exportState() {
        ensureOpen();
        Map<String, TensorData> out = new LinkedHashMap<>();
        out.put(STEP_KEY, stepTensor(stepCount));
        if (stepCount > 0) {
            try (NDManager scope = stateManager.newSubManager(Device.cpu())) {
                for (Slot slot : slots) {
                    out.put(EXP_AVG_PREFIX + slot.name, toHeap(slot.expAvg, scope));
                    out.put(EXP_AVG_SQ_PREFIX + slot.name, toHeap(slot.expAvgSq, scope));
                }
            }
        }
        return out;
    }

    private static TensorData toHeap(NDArray moment, NDManager scope) {
        if (moment.getDevice().isGpu()) {
            NDArray host = moment.toDevice(Device.cpu(), true);
            host.attach(scope);
            return TensorData.fromNDArray(host);
        }
        return TensorData.fromNDArray(moment);
    }

    /**
     * Replaces the state with one from {@link #exportState()} (of this or an equal set of
     * parameters). The map must hold {@value #STEP_KEY} and, when the step is positive, both
     * moments of every trainable parameter with the parameter's shape, and nothing else.
     * Everything is checked before anything changes; all mismatches are reported at once.
     *
     * @param state the state by key, as {@link #exportState()} writes it
     * @throws IllegalArgumentException listing every missing, unexpected, wrong-shape or
     *     wrong-type entry
     */
    public void importState(Map<String, TensorData> state) {
        ensureOpen();
        Objects.requireNonNull(state, "state");
        List<String> problems = new ArrayList<>();
        long step = readStep(state.get(STEP_KEY), problems);
        Set<String> expected = new LinkedHashSet<>();
        expected.add(STEP_KEY);
        if (step > 0) {
            for (Slot slot : slots) {
                for (String key : List.of(EXP_AVG_PREFIX + slot.name, EXP_AVG_SQ_PREFIX + slot.name)) {
                    expected.add(key);
                    TensorData t = state.get(key);
                    long[] want = slot.param.getShape().getShape();
                    if (t == null) {
                        problems.add("missing " + key + " (shape " + Arrays.toString(want) + ")");
                    } else if (!Arrays.equals(t.shape(), want)) {
                        problems.add("wrong shape for " + key + ": state has "
                                + Arrays.toString(t.shape()) + ", parameter has " + Arrays.toString(want));
                    } else if (!t.dtype().isFloating()) {
                        problems.add("wrong type for " + key + ": " + t.dtype() + " is not floating point");
                    }
                }
            }
        }
        for (String key : state.keySet()) {
            if (!expected.contains(key)) {
                problems.add("unexpected " + key);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("optimizer state does not match the " + slots.size()
                    + " trainable parameters (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems)
                    + "\nThe state was saved for other parameters (another model, renamed or "
                    + "frozen parameters); resume from a checkpoint of this model, or start the "
                    + "optimizer fresh.");
        }
        for (Slot slot : slots) {
            NDArray oldM = slot.expAvg;
            NDArray oldV = slot.expAvgSq;
            if (step > 0) {
                slot.expAvg = toStateArray(state.get(EXP_AVG_PREFIX + slot.name), slot.param);
                slot.expAvgSq = toStateArray(state.get(EXP_AVG_SQ_PREFIX + slot.name), slot.param);
            } else {
                slot.expAvg = null;
                slot.expAvgSq = null;
            }
            if (oldM != null) {
                oldM.close();
                oldV.close();
            }
        }
        stepCount = step;
    }

    /** Frees the moments. The parameters are untouched. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stateManager.close();
        }
    }

    private NDArray zerosLike(NDArray p) {
        return stateManager.zeros(p.getShape(), p.getDataType(), p.getDevice());
    }

    private NDArray toStateArray(TensorData t, NDArray param) {
        // TensorData.toNDArray yields float32 on the host manager's device; move and cast once.
        // toDevice(sameDevice, true) and toType(sameType, false) return ALIASES in DJL's PyTorch
        // engine, and a host array from TensorData borrows the memory of a Java buffer that dies
        // with tmp: duplicate() gives the moment storage of its own before tmp is closed.
        try (NDManager tmp = stateManager.newSubManager(Device.cpu())) {
            NDArray host = t.toNDArray(tmp).duplicate();
            NDArray onDevice = host.toDevice(param.getDevice(), false).toType(param.getDataType(), false);
            onDevice.attach(stateManager);
            return onDevice;
        }
    }

    private static long readStep(TensorData t, List<String> problems) {
        if (t == null) {
            problems.add("missing " + STEP_KEY + " (I64 scalar)");
            return -1;
        }
        if (t.numElements() != 1 || (t.dtype() != TensorData.DType.I64 && t.dtype() != TensorData.DType.I32)) {
            problems.add("wrong " + STEP_KEY + ": expected an I64 scalar, got " + t);
            return -1;
        }
        ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long step = t.dtype() == TensorData.DType.I64 ? b.getLong(0) : b.getInt(0);
        if (step < 0) {
            problems.add("wrong " + STEP_KEY + ": " + step + " is negative");
            return -1;
        }
        return step;
    }

    private static TensorData stepTensor(long step) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, step);
        return new TensorData(TensorData.DType.I64, new long[0], b);
    }

    private List<String> names(boolean decays) {
        List<String> out = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.decays == decays) {
                out.add(slot.name);
            }
        }
        return Collections.unmodifiableList(out);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this AdamW is closed; create a new one (and import "
                    + "its state) to continue training");
        }
    }

    private static RuntimeException inPlaceFailure(String name, RuntimeException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("leaf Variable") || msg.contains("in-place operation")) {
            return new IllegalStateException("AdamW.step could not update parameter " + name
                    + " in place. " + COLLECTOR_OPEN, e);
        }
        return new IllegalStateException("AdamW.step failed on parameter " + name + ": " + msg, e);
    }

    @Override
    public String toString() {
        return "AdamW{beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weightDecay="
                + weightDecay + ", rule=" + weightDecayRule + ", parameters=" + slots.size()
                + ", step=" + stepCount + "}";
    }

    /** Hyperparameters; {@code build} takes the parameters. */
    public static final class Builder {
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float eps = 1e-8f;
        private float weightDecay = 0.01f;
        private WeightDecayRule weightDecayRule = WeightDecayRule.huggingFace();
        private NDManager manager;

        private Builder() {}

        /**
         * Decay rates of the first and second moments, each in [0, 1).
         *
         * @param beta1 β₁ (default 0.9)
         * @param beta2 β₂ (default 0.999)
         * @return this builder
         */
        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /**
         * ε, added to the bias-corrected √v; &gt; 0.
         *
         * @param eps ε (default 1e-8)
         * @return this builder
         */
        public Builder optEps(float eps) {
            this.eps = eps;
            return this;
        }

        /**
         * λ of the decay group, ≥ 0 (the update multiplies p by 1 − η·λ).
         *
         * @param weightDecay λ (default 0.01)
         * @return this builder
         */
        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Which parameters get weight decay; default {@link WeightDecayRule#huggingFace()}.
         *
         * @param rule the rule; not null
         * @return this builder
         */
        public Builder optWeightDecayRule(WeightDecayRule rule) {
            this.weightDecayRule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * The manager under which the moments live (a sub-manager of it is created); default:
         * the first trainable parameter's manager, so the state is freed with the model.
         *
         * @param manager the owner of the moments
         * @return this builder
         */
        public Builder optManager(NDManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        /**
         * Builds over named arrays (iteration order kept); arrays without gradient are skipped.
         *
         * @param parameters arrays by name, at least one
         * @return the optimizer, with step count 0
         * @throws IllegalArgumentException if a hyper-parameter is out of range (β outside [0, 1), ε
         *         not finite and positive, λ negative or not finite) or nothing is left to train
         */
        public AdamW build(Map<String, NDArray> parameters) {
            validate();
            Objects.requireNonNull(parameters, "parameters");
            if (parameters.isEmpty()) {
                throw new IllegalArgumentException("no parameters given to AdamW; pass the "
                        + "student's named parameters");
            }
            return new AdamW(this, new LinkedHashMap<>(parameters));
        }

        /**
         * Builds over named DJL parameters, which must be initialised; frozen ones are skipped.
         *
         * @param parameters parameters by name
         * @return the optimizer, with step count 0
         * @throws IllegalArgumentException if a hyper-parameter is out of range (β outside [0, 1), ε
         *         not finite and positive, λ negative or not finite), nothing is left to train, or a
         *         parameter is not initialised
         */
        public AdamW buildFromParameters(Map<String, Parameter> parameters) {
            Objects.requireNonNull(parameters, "parameters");
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            List<String> uninitialised = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                Parameter p = e.getValue();
                if (!p.isInitialized()) {
                    uninitialised.add(e.getKey());
                } else if (p.requiresGradient()) {
                    arrays.put(e.getKey(), p.getArray());
                }
            }
            if (!uninitialised.isEmpty()) {
                throw new IllegalArgumentException("parameters " + uninitialised + " are not "
                        + "initialised; call block.initialize(...) before building the optimizer");
            }
            if (arrays.isEmpty()) {
                throw new IllegalArgumentException("none of the " + parameters.size()
                        + " parameters requires a gradient, so AdamW has nothing to train");
            }
            return build(arrays);
        }

        /**
         * Builds over a block's {@code getParameters()} list, keyed by its names.
         *
         * @param parameters parameters with their names, which must be unique
         * @return the optimizer, with step count 0
         * @throws IllegalArgumentException if a hyper-parameter is out of range (β outside [0, 1), ε
         *         not finite and positive, λ negative or not finite), nothing is left to train, a
         *         parameter is not initialised or a name repeats
         */
        public AdamW buildFromParameters(PairList<String, Parameter> parameters) {
            Objects.requireNonNull(parameters, "parameters");
            Map<String, Parameter> map = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : parameters) {
                if (map.put(p.getKey(), p.getValue()) != null) {
                    throw new IllegalArgumentException("parameter name " + p.getKey()
                            + " occurs twice; optimizer state is keyed by name, so names must be unique");
                }
            }
            return buildFromParameters(map);
        }

        private void validate() {
            if (!(beta1 >= 0f && beta1 < 1f)) {
                throw new IllegalArgumentException("beta1 (" + beta1 + ") must be in [0, 1); 0.9 is usual");
            }
            if (!(beta2 >= 0f && beta2 < 1f)) {
                throw new IllegalArgumentException("beta2 (" + beta2 + ") must be in [0, 1); 0.999 is usual");
            }
            if (!(eps > 0f) || !Float.isFinite(eps)) {
                throw new IllegalArgumentException("eps (" + eps + ") must be finite and > 0; 1e-8 or 1e-6 is usual");
            }
            if (!(weightDecay >= 0f) || !Float.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weightDecay (" + weightDecay
                        + ") must be finite and >= 0; 0.01 is usual, 0 disables it");
            }
        }
    }
}
