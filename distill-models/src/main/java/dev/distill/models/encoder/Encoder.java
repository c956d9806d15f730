// Over 400 lines: the BERT encoder's forward pass, its state dict and the checks at load (NaN,
// memory) in one type (410 lines of code); the rest is Javadoc.
package dev.distill.models.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.heads.Head;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A BERT-family encoder built from DJL primitives, computing what Hugging Face
 * {@code BertModel} computes, and exposing everything distillation needs through
 * {@link ModelOutputs}: every hidden state, every layer's attention scores before softmax and
 * its probabilities, per-head queries, keys and values, the pooled sentence embedding, and the
 * optional head's logits.
 *
 * <pre>
 * e   = LN(E_word[ids] + E_pos[0..T) + E_type[types]);  dropout           (B, T, H)
 * per layer l:
 *   q,k,v = h·W_{q,k,v}ᵀ + b → (B, A, T, d)
 *   s     = q·kᵀ/√d + (1 − mask)·(−10000)                                  (B, A, T, T)
 *   p     = softmax(s);  ctx = dropout(p)·v → (B, T, A·d)
 *   a     = LN(dropout(ctx·W_oᵀ + b_o) + h)
 *   h'    = LN(dropout(act(a·W_iᵀ + b_i)·W_o2ᵀ + b_o2) + a)                 post-LN
 * </pre>
 *
 * <p>Parameters are named with their Hugging Face {@code BertModel} names (e.g.
 * {@code encoder.layer.0.attention.self.query.weight}); a head's parameters keep the names of
 * the matching {@code BertFor…} class. That naming is a public contract: import and export use
 * it unchanged.
 *
 * <p>Create one with a configuration, then either {@link #initializeWeights(NDManager, long)}
 * (BERT's N(0, 0.02²) initialisation) or {@link #loadState(NDManager, Map, boolean)}.
 *
 * <p>Precision: weights are created and loaded in float32. {@link #toType(DataType, NDManager)}
 * makes a float16 copy (for a frozen teacher); {@link #forward} then computes in the weights'
 * type: the padding mask and every constant follow it (−10000 is exact in float16), and every
 * output is float16. bfloat16 is refused: DJL 0.35.1's PyTorch JNI has no bfloat16 type and
 * aborts the JVM on it (docs/djl-traps.md).
 */
public final class Encoder extends AbstractBlock {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Encoder.class);

    private final EncoderConfig config;
    private final Pooling pooling;
    private final Head head;

    private final Parameter wordEmbeddings;
    private final Parameter positionEmbeddings;
    private final Parameter tokenTypeEmbeddings;
    private final Parameter embeddingsLnWeight;
    private final Parameter embeddingsLnBias;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, Parameter> named = new LinkedHashMap<>();

    /** One post-LN Transformer layer's parameters. */
    private static final class Layer {
        Parameter qW, qB, kW, kB, vW, vB, oW, oB, attnLnW, attnLnB, iW, iB, o2W, o2B, outLnW, outLnB;
    }

    /**
     * @param config shape and hyper-parameters
     * @param pooling how {@link ModelOutputs#pooled()} is computed
     * @param head a task head, or {@code null} for the bare encoder
     */
    public Encoder(EncoderConfig config, Pooling pooling, Head head) {
        this.config = Objects.requireNonNull(config, "config");
        this.pooling = Objects.requireNonNull(pooling, "pooling");
        this.head = head;
        int h = config.hiddenSize();
        int a = config.allHeadSize();
        int f = config.intermediateSize();
        wordEmbeddings = add("embeddings.word_embeddings.weight", Params.Init.NORMAL, config.vocabSize(), h);
        positionEmbeddings =
                add("embeddings.position_embeddings.weight", Params.Init.NORMAL, config.maxPositions(), h);
        tokenTypeEmbeddings =
                add("embeddings.token_type_embeddings.weight", Params.Init.NORMAL, config.typeVocabSize(), h);
        embeddingsLnWeight = add("embeddings.LayerNorm.weight", Params.Init.ONES, h);
        embeddingsLnBias = add("embeddings.LayerNorm.bias", Params.Init.ZEROS, h);
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "encoder.layer." + l + ".";
            Layer layer = new Layer();
            layer.qW = add(p + "attention.self.query.weight", Params.Init.NORMAL, a, h);
            layer.qB = add(p + "attention.self.query.bias", Params.Init.ZEROS, a);
            layer.kW = add(p + "attention.self.key.weight", Params.Init.NORMAL, a, h);
            layer.kB = add(p + "attention.self.key.bias", Params.Init.ZEROS, a);
            layer.vW = add(p + "attention.self.value.weight", Params.Init.NORMAL, a, h);
            layer.vB = add(p + "attention.self.value.bias", Params.Init.ZEROS, a);
            layer.oW = add(p + "attention.output.dense.weight", Params.Init.NORMAL, h, a);
            layer.oB = add(p + "attention.output.dense.bias", Params.Init.ZEROS, h);
            layer.attnLnW = add(p + "attention.output.LayerNorm.weight", Params.Init.ONES, h);
            layer.attnLnB = add(p + "attention.output.LayerNorm.bias", Params.Init.ZEROS, h);
            layer.iW = add(p + "intermediate.dense.weight", Params.Init.NORMAL, f, h);
            layer.iB = add(p + "intermediate.dense.bias", Params.Init.ZEROS, f);
            layer.o2W = add(p + "output.dense.weight", Params.Init.NORMAL, h, f);
            layer.o2B = add(p + "output.dense.bias", Params.Init.ZEROS, h);
            layer.outLnW = add(p + "output.LayerNorm.weight", Params.Init.ONES, h);
            layer.outLnB = add(p + "output.LayerNorm.bias", Params.Init.ZEROS, h);
            layers.add(layer);
        }
        if (head != null) {
            for (Parameter p : head.parameters()) {
                if (named.containsKey(p.getName())) {
                    throw new IllegalArgumentException("head parameter " + p.getName()
                            + " clashes with an encoder parameter");
                }
                addParameter(p);
                named.put(p.getName(), p);
            }
        }
    }

    /**
     * A bare encoder with [CLS] pooling.
     *
     * @param config shape and hyper-parameters; not null
     * @return a new encoder whose parameters are not yet initialised
     */
    public static Encoder of(EncoderConfig config) {
        return new Encoder(config, Pooling.CLS, null);
    }

    private Parameter add(String name, Params.Init init, long... shape) {
        Parameter p = addParameter(Params.create(name, init, shape));
        named.put(name, p);
        return p;
    }

    /** {@return the shape and hyper-parameters} */
    public EncoderConfig config() {
        return config;
    }

    /** {@return how the pooled sentence embedding (B, H) is computed} */
    public Pooling pooling() {
        return pooling;
    }

    /** {@return the task head, or empty for a bare encoder} */
    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    /**
     * The sizes losses need.
     *
     * @return the configuration's {@link EncoderConfig#dims()}
     */
    public ModelDims dims() {
        return config.dims();
    }

    /**
     * Every parameter by its Hugging Face name, embeddings first, then layers, then the head.
     *
     * @return an unmodifiable view, in that order
     */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(named);
    }

    /**
     * The word-embedding matrix (V, H), which the masked-LM decoder is tied to.
     *
     * @return the parameter {@code embeddings.word_embeddings.weight}
     */
    public Parameter wordEmbeddings() {
        return wordEmbeddings;
    }

    /**
     * Number of scalar parameters, the head included (a tied decoder counts once).
     *
     * @return the count, from the shapes (no weights are read)
     */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : named.values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /**
     * Bytes the parameters take in their data type ({@link #dataType()}).
     *
     * @return parameters × bytes per value
     */
    public long sizeInBytes() {
        return parameterCount() * dataType().getNumOfBytes();
    }

    /**
     * The floating-point type of the weights, which {@link #forward} computes in: float32 unless
     * this encoder came from {@link #toType}; float32 before the weights are initialised.
     *
     * @return {@code FLOAT32} or {@code FLOAT16}
     */
    public DataType dataType() {
        return wordEmbeddings.isInitialized() ? wordEmbeddings.getArray().getDataType() : DataType.FLOAT32;
    }

    /**
     * A copy of this encoder (and its head) whose weights are converted to {@code dataType} and
     * live on {@code manager}'s device; this encoder is left untouched, so a float32 model can
     * keep serving as a student's source or be evaluated while its float16 copy teaches. Each
     * parameter of the copy requires a gradient exactly when the original's does.
     *
     * <p>float16 keeps 11 significant bits (relative rounding error ≤ 2⁻¹¹ ≈ 4.9e-4 per value)
     * and overflows beyond ±65504; BERT-family weights and activations stay far inside that
     * range. PyTorch has CPU and CUDA float16 kernels for every op of {@link #forward}; on CPU
     * they save memory, not time.
     *
     * @param dataType {@code FLOAT32} (a plain copy) or {@code FLOAT16}
     * @param manager owner of the copied weights; its device is where they are put
     * @return a new encoder with its own storage
     * @throws IllegalArgumentException for any other type, bfloat16 included
     * @throws IllegalStateException if a parameter is not initialised
     */
    public Encoder toType(DataType dataType, NDManager manager) {
        Objects.requireNonNull(manager, "manager");
        requireSupported(dataType);
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            if (!e.getValue().isInitialized()) {
                throw new IllegalStateException("cannot copy " + this + ": parameter " + e.getKey()
                        + " is not initialised; call initializeWeights or loadState first");
            }
        }
        Encoder copy = new Encoder(config, pooling, head == null ? null : head.emptyCopy());
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            NDArray source = e.getValue().getArray();
            NDArray converted = convert(source, dataType, manager);
            Parameter target = copy.named.get(e.getKey());
            target.setInitializer((m, shape, type) -> converted);
            target.initialize(manager, dataType);
            converted.setRequiresGradient(source.hasGradient());
        }
        return copy;
    }

    /** The types {@link #toType} accepts; the message names the rule and the fix. */
    private static void requireSupported(DataType dataType) {
        Objects.requireNonNull(dataType, "dataType");
        if (dataType == DataType.BFLOAT16) {
            throw new IllegalArgumentException("data type BFLOAT16 is not supported: DJL 0.35.1's PyTorch JNI has "
                    + "no bfloat16 type and aborts the JVM on it; use FLOAT16 for a half-precision teacher");
        }
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("data type " + dataType + " is not supported for encoder weights; "
                    + "use FLOAT32 or FLOAT16");
        }
    }

    /** A natively owned copy of {@code a} in {@code type} on the manager's device, attached to it. */
    private static NDArray convert(NDArray a, DataType type, NDManager manager) {
        // toDevice(sameDevice) and toType(sameType) return aliases of the source (docs/djl-traps.md):
        // duplicate() so the copy never shares storage with this encoder.
        NDArray c = a.getDevice().equals(manager.getDevice()) ? a : a.toDevice(manager.getDevice(), false);
        NDArray typed = c.getDataType() == type ? (c == a ? a.duplicate() : c) : c.toType(type, false);
        if (c != a && typed != c) {
            c.close();
        }
        typed.attach(manager);
        return typed;
    }

    /**
     * Fills every parameter as BERT initialises it: weights and embeddings from N(0, 0.02²),
     * LayerNorm gains 1, biases 0. The numbers come from a Java generator seeded with
     * {@code seed}, so they are the same on every device and engine.
     *
     * @param manager owner of the weights, on the device they are created on
     * @param seed the generator's seed
     */
    public void initializeWeights(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Parameter p : named.values()) {
            Shape shape = p.getShape();
            float[] values = new float[Math.toIntExact(shape.size())];
            switch (Params.initOf(p)) {
                case NORMAL:
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (gaussian(random) * 0.02);
                    }
                    break;
                case ONES:
                    java.util.Arrays.fill(values, 1f);
                    break;
                default:
                    break;
            }
            assign(manager, p, values);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller on the generator's doubles (SplittableRandom has no nextGaussian in Java 17)
        double u1 = 1.0 - r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static void assign(NDManager manager, Parameter p, float[] values) {
        if (p.isInitialized()) {
            if (p.getArray().getDataType() != DataType.FLOAT32) {
                throw new IllegalStateException("cannot write float32 values into parameter " + p.getName() + " of type "
                        + p.getArray().getDataType() + "; initialise or load the float32 encoder, then call toType");
            }
            p.getArray().set(FloatBuffer.wrap(values));
        } else {
            p.setInitializer((m, shape, type) -> m.create(FloatBuffer.wrap(values), shape, DataType.FLOAT32));
            p.initialize(manager, DataType.FLOAT32);
        }
    }

    /**
     * What {@link #loadState} did not use or did not find.
     *
     * @param missing parameter names that had no tensor (kept as they were)
     * @param unexpected tensor names that match no parameter (ignored)
     */
    public record LoadReport(List<String> missing, List<String> unexpected) {}

    /**
     * Loads weights by Hugging Face name (without a {@code bert.} prefix). Strict loading
     * refuses any missing or unexpected tensor; non-strict loading keeps missing parameters as
     * they are (initialise first) and ignores unexpected ones. A shape mismatch is always an
     * error, and so is a tensor holding NaN or infinity (named with the first bad element).
     * Every problem is listed in one exception. Tensors stored as bfloat16 are converted exactly
     * to float32 in Java (one log line says so).
     *
     * @param manager where parameters are created if not yet initialised
     * @param tensors weights by name; float16 and bfloat16 are converted to float32
     * @param strict whether every parameter must be present and nothing else
     * @return the names that were missing or unexpected (empty lists under strict loading)
     */
    public LoadReport loadState(NDManager manager, Map<String, TensorData> tensors, boolean strict) {
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> nonFinite = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            TensorData t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!t.djlShape().equals(e.getValue().getShape())) {
                wrongShape.add(e.getKey() + " (file " + t.djlShape() + ", model " + e.getValue().getShape() + ")");
            } else if (!t.dtype().isFloating()) {
                wrongShape.add(e.getKey() + " (dtype " + t.dtype() + " is not floating point)");
            } else {
                long bad = t.firstNonFinite();
                if (bad >= 0) {
                    nonFinite.add(e.getKey() + " (" + t.floatAt(bad) + " at element " + bad + ")");
                }
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : new TreeSet<>(tensors.keySet())) {
            if (!named.containsKey(name) && !isBuffer(name)) {
                unexpected.add(name);
            }
        }
        boolean fail = !wrongShape.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()));
        boolean uninitialisedMissing = !missing.isEmpty()
                && missing.stream().anyMatch(n -> !named.get(n).isInitialized());
        if (!nonFinite.isEmpty()) {
            throw new IllegalArgumentException("refusing weights that hold NaN or infinity: " + nonFinite.size()
                    + " tensor(s): " + String.join(", ", nonFinite.subList(0, Math.min(5, nonFinite.size())))
                    + (nonFinite.size() > 5 ? " and " + (nonFinite.size() - 5) + " more" : "")
                    + "; the file is corrupt or was saved after training diverged: use an earlier checkpoint");
        }
        if (fail || uninitialisedMissing) {
            StringBuilder sb = new StringBuilder("cannot load weights into " + config + ":");
            if (!missing.isEmpty()) {
                sb.append("\n  missing (").append(missing.size()).append("): ").append(missing);
            }
            if (!unexpected.isEmpty() && strict) {
                sb.append("\n  unexpected (").append(unexpected.size()).append("): ").append(unexpected);
            }
            if (!wrongShape.isEmpty()) {
                sb.append("\n  wrong shape (").append(wrongShape.size()).append("): ").append(wrongShape);
            }
            sb.append("\nCheck that the configuration matches the weights");
            if (!strict && uninitialisedMissing) {
                sb.append(", or call initializeWeights before a non-strict load");
            } else if (strict) {
                sb.append(", or load non-strictly to keep missing parameters initialised");
            }
            throw new IllegalArgumentException(sb.toString());
        }
        long bf16 = 0;
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            TensorData t = tensors.get(e.getKey());
            if (t != null) {
                bf16 += t.dtype() == TensorData.DType.BF16 ? 1 : 0;
                assign(manager, e.getValue(), t.toFloats());
            }
        }
        if (bf16 > 0) {
            LOG.info("{} of {} weight tensors were stored as bfloat16; converted exactly to float32 in Java (DJL's"
                    + " PyTorch JNI has no bfloat16 and aborts the JVM on it)", bf16, named.size());
        }
        return new LoadReport(List.copyOf(missing), List.copyOf(unexpected));
    }

    /** Buffers Hugging Face saves next to parameters; they carry no weights. */
    private static boolean isBuffer(String name) {
        return name.endsWith("position_ids") || name.equals("cls.predictions.decoder.weight")
                || name.equals("cls.predictions.decoder.bias");
    }

    /**
     * Every parameter copied to the heap, by Hugging Face name.
     *
     * @return a new ordered map from name to a heap copy, in each weight's dtype
     * @throws ai.djl.nn.UninitializedParameterException if a parameter is not initialised
     */
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            out.put(e.getKey(), TensorData.fromNDArray(e.getValue().getArray()));
        }
        return out;
    }

    /**
     * Turns gradient tracking of every parameter on (a trainable student) or off (a teacher).
     *
     * @param trainable true to track gradients
     * @throws ai.djl.nn.UninitializedParameterException if a parameter is not initialised
     */
    public void setTrainable(boolean trainable) {
        for (Parameter p : named.values()) {
            p.getArray().setRequiresGradient(trainable);
        }
    }

    /**
     * Runs the encoder (and its head, if any).
     *
     * @param batch ids, attention mask and token types, shape (B, T), on this model's device
     * @param training whether dropout is active
     * @return every intermediate result; arrays belong to the batch's manager
     */
    public ModelOutputs forward(TokenBatch batch, boolean training) {
        NDArray ids = batch.inputIds();
        NDArray mask = batch.attentionMask();
        int len = batch.sequenceLength();
        if (len > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + len + " exceeds maxPositions "
                    + config.maxPositions() + "; truncate inputs to at most " + config.maxPositions() + " tokens");
        }
        // before anything is allocated: a batch whose activations cannot fit is refused with the estimate
        MemoryEstimate.requireForward(config, ids.getShape().get(0), len, dataType().getNumOfBytes(), ids.getDevice());
        NDManager m = ids.getManager();
        Device device = wordEmbeddings.getArray().getDevice();
        if (!ids.getDevice().equals(device)) {
            throw new IllegalArgumentException("the batch is on " + ids.getDevice() + " but the encoder's weights are on "
                    + device + "; create the batch with a manager on " + device + " (or copy it there with toDevice)");
        }
        NDArray types = batch.tokenTypeIds() != null ? batch.tokenTypeIds() : ids.zerosLike();
        NDArray positions = m.arange(0, len, 1, DataType.INT64).expandDims(0);

        NDArray x = Embedding.embedding(ids, wordEmbeddings.getArray(), SparseFormat.DENSE).singletonOrThrow();
        x = x.add(Embedding.embedding(positions, positionEmbeddings.getArray(), SparseFormat.DENSE).singletonOrThrow());
        x = x.add(Embedding.embedding(types, tokenTypeEmbeddings.getArray(), SparseFormat.DENSE).singletonOrThrow());
        x = Tensors.layerNorm(x, embeddingsLnWeight, embeddingsLnBias, config.layerNormEps());
        x = Tensors.dropout(x, config.hiddenDropout(), training);
        return forwardLayers(x, mask, training);
    }

    /**
     * Runs the Transformer layers (and the head, if any) on given hidden states instead of the
     * embedding output: the encoder as a block H → H, for block-level distillation (the {@code ./distill block} example),
     * where the inputs are random or recorded activations rather than token ids. Hugging Face's
     * {@code inputs_embeds} still adds position and type embeddings; this bypasses the whole
     * embedding layer.
     *
     * @param hidden (B, T, H) inputs in the weights' type ({@link #dataType()}), taking the place
     *     of {@code hiddenStates.get(0)}
     * @param attentionMask (B, T), 1 for real positions and 0 for padding
     * @param training whether dropout is active
     * @return outputs whose {@code hiddenStates.get(0)} is {@code hidden} itself; arrays belong to
     *     {@code hidden}'s manager
     */
    public ModelOutputs forwardHidden(NDArray hidden, NDArray attentionMask, boolean training) {
        Shape s = hidden.getShape();
        if (s.dimension() != 3 || s.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException("hidden states must have shape (B, T, H = " + config.hiddenSize()
                    + "), got " + s + "; feed activations as wide as this encoder");
        }
        if (!attentionMask.getShape().equals(s.slice(0, 2))) {
            throw new IllegalArgumentException("attention mask shape " + attentionMask.getShape()
                    + " must be (B, T) = " + s.slice(0, 2) + " of the hidden states");
        }
        if (hidden.getDataType() != dataType()) {
            throw new IllegalArgumentException("hidden states are " + hidden.getDataType() + " but the weights are "
                    + dataType() + "; they must match: convert the inputs with toType(" + dataType() + ", false)");
        }
        MemoryEstimate.requireForward(config, s.get(0), s.get(1), dataType().getNumOfBytes(), hidden.getDevice());
        return forwardLayers(hidden, attentionMask, training);
    }

    private ModelOutputs forwardLayers(NDArray x, NDArray mask, boolean training) {
        int bsz = Math.toIntExact(x.getShape().get(0));
        int len = Math.toIntExact(x.getShape().get(1));
        // (B, 1, 1, T): 0 on real keys, -10000 on padding, broadcast over heads and queries; in the
        // activations' type, or a float32 mask would promote float16 scores to float32
        NDArray additiveMask = mask.toType(x.getDataType(), false).neg().add(1f)
                .mul(ModelOutputs.MASK_VALUE).reshape(bsz, 1, 1, len);

        int heads = config.numHeads();
        int d = config.headSize();
        float scale = (float) (1.0 / Math.sqrt(d));
        List<NDArray> hidden = new ArrayList<>(layers.size() + 1);
        List<NDArray> scores = new ArrayList<>(layers.size());
        List<NDArray> probs = new ArrayList<>(layers.size());
        List<NDArray> qs = new ArrayList<>(layers.size());
        List<NDArray> ks = new ArrayList<>(layers.size());
        List<NDArray> vs = new ArrayList<>(layers.size());
        hidden.add(x);
        for (Layer layer : layers) {
            NDArray q = splitHeads(Tensors.linear(x, layer.qW, layer.qB), bsz, len, heads, d);
            NDArray k = splitHeads(Tensors.linear(x, layer.kW, layer.kB), bsz, len, heads, d);
            NDArray v = splitHeads(Tensors.linear(x, layer.vW, layer.vB), bsz, len, heads, d);
            NDArray s = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), scale).add(additiveMask); // (B, A, T, T)
            NDArray p = s.softmax(-1);
            NDArray ctx = Tensors.dropout(p, config.attentionDropout(), training).matMul(v) // (B, A, T, d)
                    .transpose(0, 2, 1, 3).reshape(bsz, len, (long) heads * d);
            NDArray attnOut = Tensors.dropout(Tensors.linear(ctx, layer.oW, layer.oB), config.hiddenDropout(), training);
            NDArray a = Tensors.layerNorm(attnOut.add(x), layer.attnLnW, layer.attnLnB, config.layerNormEps());
            NDArray inter = Activations.apply(Tensors.linear(a, layer.iW, layer.iB), config.hiddenAct());
            NDArray out = Tensors.dropout(Tensors.linear(inter, layer.o2W, layer.o2B), config.hiddenDropout(), training);
            x = Tensors.layerNorm(out.add(a), layer.outLnW, layer.outLnB, config.layerNormEps());
            hidden.add(x);
            scores.add(s);
            probs.add(p);
            qs.add(q);
            ks.add(k);
            vs.add(v);
        }
        NDArray pooled = pool(x, mask, pooling);
        NDArray logits = head == null ? null
                : head.forward(new Head.Input(x, mask, wordEmbeddings.getArray(), config), training);
        return new ModelOutputs(hidden, scores, probs, qs, ks, vs, pooled, logits, mask);
    }

    /** (B, T, A·d) → (B, A, T, d). */
    private static NDArray splitHeads(NDArray x, int b, int t, int heads, int d) {
        return x.reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    }

    /**
     * Sentence embedding from a (B, T, H) hidden state: the [CLS] vector, or the mean over real
     * tokens (padding excluded through the mask); in the hidden state's type.
     *
     * @param hidden (B, T, H) hidden states, usually the last
     * @param mask (B, T), 1 for real tokens and 0 for padding
     * @param pooling {@link Pooling#CLS} (position 0) or mean over real tokens
     * @return (B, H); a row with no real token gives zeros under mean pooling
     */
    public static NDArray pool(NDArray hidden, NDArray mask, Pooling pooling) {
        if (pooling == Pooling.CLS) {
            return hidden.get(new NDIndex(":, 0, :"));
        }
        NDArray m = Tensors.mask3d(mask, hidden.getDataType()); // (B, T, 1)
        NDArray summed = hidden.mul(m).sum(new int[] {1});
        // Counts of a 0/1 mask are whole numbers: max(count, 1) only changes an all-padding row,
        // whose sum is 0 anyway. (A tiny floor such as 1e-9 underflows to 0 in float16: 0/0.)
        NDArray counts = Scalars.maximum(m.sum(new int[] {1}), 1f);
        return summed.div(counts);
    }

    /**
     * DJL's block contract, for Predictors and other DJL tooling: inputs (ids, mask[, token
     * types]), outputs (last hidden state, pooled[, logits]).
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : ids.onesLike();
        NDArray types = inputs.size() > 2 ? inputs.get(2) : null;
        ModelOutputs out = forward(new TokenBatch(ids, mask, types, null, 0), training);
        NDList result = new NDList(out.lastHiddenState(), out.pooled());
        if (out.logits() != null) {
            result.add(out.logits());
        }
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape last = new Shape(in.get(0), in.get(1), config.hiddenSize());
        Shape pooled = new Shape(in.get(0), config.hiddenSize());
        return new Shape[] {last, pooled};
    }

    @Override
    public String toString() {
        return "Encoder{" + config + ", pooling=" + pooling + ", head="
                + (head == null ? "none" : head.architecture()) + ", params=" + parameterCount() + "}";
    }
}
