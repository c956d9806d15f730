package dev.distill.models.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.heads.MaskedLmHead;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A masked-LM student whose head runs only where there is something to predict: an
 * {@link Encoder} without a head, and a {@link MaskedLmHead} (tied to the encoder's word
 * embeddings) applied to the rows of the last hidden state whose label is not
 * {@link TokenBatch#IGNORE_INDEX}.
 *
 * <p>Why: the vocabulary projection (n, H)·(H, V) is the costliest single operation of a small
 * MLM student (V = 30,522 against H = 384); at BERT's 15% masking, computing it for the masked
 * rows only saves about 85% of it, forward and backward (as Hugging Face's {@code
 * DataCollatorForLanguageModeling} users do with sparse prediction).
 *
 * <p>{@link ModelOutputs#logits()} keeps its documented (B, T, V) shape: the n computed rows are
 * placed at their positions and every other position holds <b>0</b> (not computed). Consumers
 * must therefore read labelled positions only, as {@code HardLabelLoss(MASKED_LM)},
 * {@code TopKSoftTargetLoss} / {@code SoftTargetLoss} with {@code Positions.LABELLED_TOKENS} and
 * masked-LM perplexity do. A batch without labels gets the full (B, T, V) logits.
 *
 * <p>Placement without a host sync: with m the flattened label mask (B·T) and c = cumsum(m)·m,
 * position i takes row c_i of [0; Z] (a zero row, then the n computed rows Z in row-major order),
 * an embedding lookup whose backward is a scatter-add into Z.
 *
 * <p>Parameters keep their Hugging Face names ({@code encoder.…}, {@code cls.predictions.…}), so
 * checkpoints load and {@link #toEncoderWithHead} exports a {@code BertForMaskedLM} directory.
 */
public final class MaskedLmStudent extends EncoderBackedModel {

    private final MaskedLmHead head;
    private final Map<String, Parameter> named;

    /**
     * Makes both trainable and wraps them.
     *
     * @param encoder the student encoder, built without a head, parameters initialised
     * @param head its masked-LM head for the same configuration, parameters initialised on the
     *     encoder's device
     */
    public MaskedLmStudent(Encoder encoder, MaskedLmHead head) {
        super(checked(encoder, head), Fingerprints.architecture(encoder) + "|sparse-mlm-head");
        this.head = head;
        Map<String, Parameter> all = new LinkedHashMap<>(encoder.namedParameters());
        for (Parameter p : head.parameters()) {
            all.put(p.getName(), p);
        }
        this.named = Collections.unmodifiableMap(all);
        encoder.setTrainable(true);
        for (Parameter p : head.parameters()) {
            p.getArray().setRequiresGradient(true);
        }
    }

    /** {@code encoder} once it and {@code head} passed the constructor's checks. */
    private static Encoder checked(Encoder encoder, MaskedLmHead head) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(head, "head");
        if (encoder.head().isPresent()) {
            throw new IllegalArgumentException("the encoder already has a " + encoder.head().get().architecture()
                    + " head; build it without a head and pass the MaskedLmHead here");
        }
        requireInitialised(encoder, "the student's parameters are not initialised; build it with Students"
                + " or call initializeWeights first");
        for (Parameter p : head.parameters()) {
            if (!p.isInitialized()) {
                throw new IllegalArgumentException("head parameter " + p.getName() + " is not initialised");
            }
            if (p.getShape().get(0) != encoder.config().vocabSize() && p.getName().endsWith("predictions.bias")) {
                throw new IllegalArgumentException("head bias " + p.getShape() + " does not fit the vocabulary "
                        + encoder.config().vocabSize());
            }
        }
        return encoder;
    }

    /** {@return the student's MLM head, trained with it} */
    public MaskedLmHead head() {
        return head;
    }

    @Override
    public ModelOutputs forward(TokenBatch batch, boolean training) {
        ModelOutputs out = encoder.forward(batch, training);
        return withLogits(out, logitsAtLabels(out.lastHiddenState(), batch.labels(), head,
                encoder.wordEmbeddings().getArray()));
    }

    /**
     * {@code out} with its logits replaced.
     *
     * @param out the outputs
     * @param logits the new logits, or null
     * @return new outputs sharing every other array
     */
    public static ModelOutputs withLogits(ModelOutputs out, NDArray logits) {
        return new ModelOutputs(out.hiddenStates(), out.attentionScores(), out.attentionProbs(), out.queries(),
                out.keys(), out.values(), out.pooled(), logits, out.attentionMask());
    }

    /**
     * Masked-LM logits (B, T, V) computed only at labelled positions (0 elsewhere; see the class
     * comment), or everywhere when {@code labels} is null.
     *
     * @param hidden (B, T, H) last hidden state
     * @param labels (B, T) int64 with {@link TokenBatch#IGNORE_INDEX} where nothing is predicted, or null
     * @param head the MLM head
     * @param wordEmbeddings (V, H), the tied decoder
     * @return (B, T, V) logits, in the graph
     */
    public static NDArray logitsAtLabels(NDArray hidden, NDArray labels, MaskedLmHead head, NDArray wordEmbeddings) {
        Shape s = hidden.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long h = s.get(2);
        if (labels == null) {
            return head.logits(hidden.reshape(-1, h), wordEmbeddings).reshape(b, t, -1);
        }
        if (!labels.getShape().equals(new Shape(b, t))) {
            throw new IllegalArgumentException("masked-LM labels " + labels.getShape() + " must be (B, T) = ("
                    + b + ", " + t + ")");
        }
        NDArray flat = labels.reshape(-1).neq(TokenBatch.IGNORE_INDEX); // (B·T) boolean
        NDArray rows = hidden.reshape(-1, h).get(new ai.djl.ndarray.index.NDIndex("{}", flat)); // (n, H), row-major
        NDArray z = head.logits(rows, wordEmbeddings); // (n, V)
        NDArray zero = hidden.getManager().zeros(new Shape(1, wordEmbeddings.getShape().get(0)), z.getDataType());
        NDArray table = NDArrays.concat(new NDList(zero, z), 0); // (n + 1, V), row 0 = 0
        NDArray m = flat.toType(DataType.INT64, false);
        NDArray index = m.cumSum(0).mul(m).reshape(b, t); // rank of each labelled position, 0 elsewhere
        return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow(); // (B, T, V)
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>(encoder.stateDict());
        for (Parameter p : head.parameters()) {
            out.put(p.getName(), TensorData.fromNDArray(p.getArray()));
        }
        return out;
    }

    @Override
    public void loadState(Map<String, TensorData> state) {
        Map<String, TensorData> enc = new LinkedHashMap<>(state);
        List<String> problems = new ArrayList<>();
        for (Parameter p : head.parameters()) {
            TensorData t = enc.remove(p.getName());
            if (t == null) {
                problems.add("missing " + p.getName());
            } else if (!t.djlShape().equals(p.getShape())) {
                problems.add(p.getName() + " has shape " + t.djlShape() + ", the head " + p.getShape());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot load the masked-LM head: " + problems
                    + "; the state was saved from another head or vocabulary");
        }
        encoder.loadState(manager(), enc, true);
        for (Parameter p : head.parameters()) {
            p.getArray().set(FloatBuffer.wrap(state.get(p.getName()).toFloats()));
        }
    }

    /**
     * A copy of the student as one {@link Encoder} with its {@link MaskedLmHead} inside, on
     * {@code target}'s device, e.g. for {@code HfDirectory.save} (exported as {@code BertForMaskedLM}).
     *
     * @param target the owner of the copy's weights (and their device)
     * @return a new encoder; this student is unchanged
     */
    public Encoder toEncoderWithHead(NDManager target) {
        Encoder e = new Encoder(encoder.config(), encoder.pooling(), new MaskedLmHead(encoder.config()));
        e.initializeWeights(target, 0);
        e.loadState(target, stateDict(), true);
        return e;
    }

    @Override
    public String description() {
        return encoder + " + MaskedLmHead (logits at labelled positions only)";
    }
}
