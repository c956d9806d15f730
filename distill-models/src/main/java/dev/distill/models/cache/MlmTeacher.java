package dev.distill.models.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelOutputs;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.tokenizer.TextTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A teacher for the top-k cache and for augmentation: the encoder's last hidden state at chosen
 * positions through a {@link MaskedLmHead} whose decoder is tied to the encoder's word embeddings,
 * giving vocabulary logits {@code LN(act(h·W₁ᵀ + b₁))·Eᵀ + b} only where they are needed (N, V),
 * not for every token. It also hands the cache builder every hidden state of the forward pass;
 * the builder keeps those the cache's fingerprint names.
 *
 * <p>The pretrained teachers available here (bge-small, MiniLM) ship without an MLM head;
 * {@code dev.distill.models.heads.MlmHeadFitter} fits one on the frozen encoder. {@link
 * #identityHead} gives the untrained head it starts from, W₁ = I, b₁ = 0, LayerNorm 1/0, b = 0:
 * logits are then the similarity of LN(act(h)) to each word embedding. That is enough to measure
 * a cache's size and speed, but its distributions are not a trained MLM's (at a [MASK] it ranks
 * the true token in its top 15 for well under 1% of held-out tokens): use it only as an explicit
 * fallback.
 */
public final class MlmTeacher implements TopKCacheBuilder.Teacher {

    private final Encoder encoder;
    private final MaskedLmHead head;
    private final boolean pooled;

    /**
     * @param encoder the frozen teacher
     * @param head its MLM head, parameters initialised
     * @param pooled also return the encoder's pooled embedding (for caches that store it)
     * @throws NullPointerException if {@code encoder} or {@code head} is null
     */
    public MlmTeacher(Encoder encoder, MaskedLmHead head, boolean pooled) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.head = Objects.requireNonNull(head, "head");
        this.pooled = pooled;
    }

    /** {@return the teacher's encoder} */
    public Encoder encoder() {
        return encoder;
    }

    /** {@return the teacher's MLM head} */
    public MaskedLmHead head() {
        return head;
    }

    @Override
    public TopKCacheBuilder.Output run(TokenBatch batch, int[][] positions) {
        ModelOutputs out = encoder.forward(batch.withoutLabels(), false);
        return new TopKCacheBuilder.Output(logitsAt(out.lastHiddenState(), positions), pooled ? out.pooled() : null,
                out.hiddenStates());
    }

    /**
     * Vocabulary logits (N, V) at the given positions of a (B, T, H) hidden state, rows in order.
     *
     * @param hidden (B, T, H) hidden states
     * @param positions for each of the B rows, the positions wanted
     * @return (N, V) logits, N the total number of positions
     */
    public NDArray logitsAt(NDArray hidden, int[][] positions) {
        Shape s = hidden.getShape();
        long t = s.get(1);
        int n = 0;
        for (int[] p : positions) {
            n += p.length;
        }
        long[] flat = new long[n];
        int at = 0;
        for (int b = 0; b < positions.length; b++) {
            for (int p : positions[b]) {
                flat[at++] = b * t + p;
            }
        }
        NDManager m = hidden.getManager();
        // torch.gather along rows: out[i][h] = hidden[flat[i]][h]
        NDArray index = m.create(flat).reshape(n, 1).broadcast(n, s.get(2));
        NDArray rows = hidden.reshape(-1, s.get(2)).gather(index, 0);
        return head.logits(rows, encoder.wordEmbeddings().getArray());
    }

    /**
     * An MLM head for {@code encoder} with W₁ = I and zero biases (see the class comment), its
     * parameters created on {@code manager}.
     *
     * @param encoder the encoder the head is for (H, V)
     * @param manager the owner of the head's parameters
     * @return a new head with initialised float32 parameters
     */
    public static MaskedLmHead identityHead(Encoder encoder, NDManager manager) {
        MaskedLmHead head = new MaskedLmHead(encoder.config());
        int h = encoder.config().hiddenSize();
        for (Parameter p : head.parameters()) {
            Shape shape = p.getShape();
            float[] v = new float[Math.toIntExact(shape.size())];
            if (p.getName().endsWith("dense.weight")) {
                for (int i = 0; i < h; i++) {
                    v[i * h + i] = 1f;
                }
            } else if (p.getName().endsWith("LayerNorm.weight")) {
                java.util.Arrays.fill(v, 1f);
            }
            p.setInitializer((mm, sh, dt) -> mm.create(v, sh));
            p.initialize(manager, DataType.FLOAT32);
        }
        return head;
    }

    /**
     * SHA-256 (hex) over the teacher's weights, encoder and head, in name order: each name, its
     * shape and its float32 values. Two teachers hash equal exactly when every weight is equal.
     *
     * @return 64 lowercase hex digits
     */
    public String weightsHash() {
        Map<String, TensorData> all = new TreeMap<>(encoder.stateDict());
        for (Parameter p : head.parameters()) {
            all.put(p.getName(), TensorData.fromNDArray(p.getArray()));
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Map.Entry<String, TensorData> e : all.entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            ByteBuffer shape = ByteBuffer.allocate(8 * (e.getValue().shape().length + 1)).order(ByteOrder.LITTLE_ENDIAN);
            shape.putLong(e.getValue().shape().length);
            for (long d : e.getValue().shape()) {
                shape.putLong(d);
            }
            md.update(shape.array());
            float[] f = e.getValue().toFloats();
            ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * SHA-256 (hex) of the tokenizer's {@code tokenizer.json}.
     *
     * @param tokenizer the tokenizer
     * @return 64 lowercase hex digits
     */
    public static String tokenizerHash(TextTokenizer tokenizer) {
        return CacheFingerprint.sha256Hex(tokenizer.json());
    }
}
