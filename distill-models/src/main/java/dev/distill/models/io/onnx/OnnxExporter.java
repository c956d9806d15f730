package dev.distill.models.io.onnx;

import dev.distill.core.ModelOutputs;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.Head;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.SpanQaHead;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@link Encoder} (a trained, pruned or imported one, with its head) as an ONNX model
 * that ONNX Runtime, langchain4j's {@code OnnxEmbeddingModel}, Spring AI and DJL's OnnxRuntime
 * engine load with the model's {@code tokenizer.json}.
 *
 * <pre>
 * inputs   input_ids, attention_mask, token_type_ids      int64 (batch, sequence), both dynamic
 * outputs  last_hidden_state                              float (batch, sequence, H)
 *          sentence_embedding                             float (batch, H): the model's pooling, L2-normalised
 *          logits                                         float, only with a head: (batch, C) classification,
 *                                                         (batch, sequence, 2) span QA, (batch, sequence, V) masked LM
 * </pre>
 *
 * <p>The graph is opset 17 ({@code LayerNormalization} is one operator there) and computes what
 * {@link Encoder#forward} computes: embeddings (word + position + token type, LayerNorm), per
 * layer Q/K/V projections, scores {@code q·kᵀ·(1/√d) + (1 − mask)·(−10000)}, softmax, output
 * projection, residual LayerNorms, the feed-forward block with the configured activation (exact
 * GELU through {@code Erf}, tanh GELU, ReLU). Nodes are named by Hugging Face module
 * ({@code /encoder/layer.0/attention/self/query/MatMul}) and Linear weights are stored [in, out],
 * as the PyTorch exporter writes them, so {@link OnnxBertImporter} reads an exported encoder back.
 *
 * <p>{@link Precision#INT8} is dynamic quantisation: every Linear weight is int8 per output
 * channel ({@link Int8Weights}); at run time {@code DynamicQuantizeLinear} quantises the
 * activation to uint8 with one scale per tensor, {@code MatMulInteger} multiplies in integers, and
 * the int32 result is scaled back by {@code s_x · s_j} (ONNX Runtime fuses this pattern into its
 * {@code DynamicQuantizeMatMul} kernel). Embeddings, LayerNorms and the attention products stay
 * float32.
 *
 * <p>Why a writer of our own rather than a library: the project already reads ONNX with its own
 * wire-format reader ({@link ProtoReader}); writing is the same eight message types in reverse
 * (~250 lines), whereas a library means protobuf-java plus classes generated from
 * {@code onnx.proto} (no maintained artifact on Maven Central) or JavaCPP's native ONNX bindings
 * (tens of MB per platform) for a job that needs neither.
 */
public final class OnnxExporter {

    /** The opset written. */
    public static final int OPSET = 17;
    /** Output name of the last hidden state (what langchain4j and Spring AI read). */
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    /** Output name of the pooled, L2-normalised sentence embedding. */
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    /** Output name of a head's logits. */
    public static final String LOGITS = "logits";

    /** Weight precision of the written graph. */
    public enum Precision {
        /** float32 weights and arithmetic. */
        FLOAT32,
        /** int8 Linear weights per output channel, activations quantised at run time. */
        INT8
    }

    private final Encoder encoder;
    private final Precision precision;
    private final Map<String, TensorData> state;
    private final OnnxGraphBuilder g;

    private OnnxExporter(Encoder encoder, Precision precision) {
        this.encoder = encoder;
        this.precision = precision;
        this.state = encoder.stateDict();
        this.g = new OnnxGraphBuilder("distill_encoder", OPSET);
    }

    /**
     * Writes {@code encoder} to {@code file} atomically; weights beyond protobuf's 2 GiB limit go
     * to {@code file.data} beside it (ONNX external data).
     *
     * @param provenance written as the model's {@code metadata_props} (e.g. source, teacher)
     */
    public static void export(Encoder encoder, Path file, Precision precision, Map<String, String> provenance)
            throws IOException {
        export(encoder, file, precision, provenance, OnnxGraphBuilder.PROTOBUF_LIMIT);
    }

    /** As {@link #export(Encoder, Path, Precision, Map)} with a chosen external-data threshold (tests). */
    static void export(Encoder encoder, Path file, Precision precision, Map<String, String> provenance,
            long externalThreshold) throws IOException {
        OnnxExporter e = new OnnxExporter(encoder, precision);
        e.build();
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put("distill.precision", precision.name().toLowerCase(java.util.Locale.ROOT));
        meta.put("distill.pooling", encoder.pooling().name().toLowerCase(java.util.Locale.ROOT));
        e.g.write(file, externalThreshold, "0.1.0", meta);
    }

    private void build() {
        EncoderConfig c = encoder.config();
        int h = c.hiddenSize();
        g.input("input_ids", OnnxGraphBuilder.INT64, "batch", "sequence");
        g.input("attention_mask", OnnxGraphBuilder.INT64, "batch", "sequence");
        g.input("token_type_ids", OnnxGraphBuilder.INT64, "batch", "sequence");

        String word = g.node("Gather", "/embeddings/word_embeddings/Gather",
                List.of(weight("embeddings.word_embeddings.weight"), "input_ids"));
        String shape = g.node("Shape", "/embeddings/Shape", List.of("input_ids"));
        String len = g.node("Gather", "/embeddings/Gather", List.of(shape, g.scalar(1L)), OnnxGraphBuilder.Attr.i("axis", 0));
        String positions = g.node("Range", "/embeddings/Range", List.of(g.scalar(0L), len, g.scalar(1L)));
        String pos = g.node("Gather", "/embeddings/position_embeddings/Gather",
                List.of(weight("embeddings.position_embeddings.weight"), positions));
        String type = g.node("Gather", "/embeddings/token_type_embeddings/Gather",
                List.of(weight("embeddings.token_type_embeddings.weight"), "token_type_ids"));
        String x = g.node("Add", "/embeddings/Add", List.of(word, pos)); // (B, T, H) + (T, H)
        x = g.node("Add", "/embeddings/Add_1", List.of(x, type));
        x = layerNorm(x, "embeddings.LayerNorm");

        String maskF = g.node("Cast", "/mask/Cast", List.of("attention_mask"),
                OnnxGraphBuilder.Attr.i("to", OnnxGraphBuilder.FLOAT));
        String inv = g.node("Sub", "/mask/Sub", List.of(g.scalar(1f), maskF));
        String additive = g.node("Mul", "/mask/Mul", List.of(inv, g.scalar(ModelOutputs.MASK_VALUE)));
        String mask4 = g.node("Unsqueeze", "/mask/Unsqueeze", List.of(additive, g.vector(1, 2))); // (B, 1, 1, T)

        for (int l = 0; l < c.numLayers(); l++) {
            x = layer(x, mask4, l);
        }
        g.nodeWithOutputs("Identity", "/last_hidden_state/Identity", List.of(x), new String[] {LAST_HIDDEN_STATE});
        g.output(LAST_HIDDEN_STATE, OnnxGraphBuilder.FLOAT, "batch", "sequence", (long) h);

        String pooled;
        if (encoder.pooling() == Pooling.CLS) {
            pooled = g.node("Gather", "/pooling/Gather", List.of(LAST_HIDDEN_STATE, g.scalar(0L)),
                    OnnxGraphBuilder.Attr.i("axis", 1));
        } else {
            String m3 = g.node("Unsqueeze", "/pooling/Unsqueeze", List.of(maskF, g.vector(-1)));
            String summed = g.node("ReduceSum", "/pooling/ReduceSum",
                    List.of(g.node("Mul", "/pooling/Mul", List.of(LAST_HIDDEN_STATE, m3)), g.vector(1)),
                    OnnxGraphBuilder.Attr.i("keepdims", 0));
            String counts = g.node("ReduceSum", "/pooling/ReduceSum_1", List.of(m3, g.vector(1)),
                    OnnxGraphBuilder.Attr.i("keepdims", 0));
            counts = g.node("Max", "/pooling/Max", List.of(counts, g.scalar(1f)));
            pooled = g.node("Div", "/pooling/Div", List.of(summed, counts));
        }
        String norm = g.node("ReduceL2", "/normalize/ReduceL2", List.of(pooled), OnnxGraphBuilder.Attr.ints("axes", 1),
                OnnxGraphBuilder.Attr.i("keepdims", 1));
        norm = g.node("Max", "/normalize/Max", List.of(norm, g.scalar(1e-12f)));
        g.nodeWithOutputs("Div", "/normalize/Div", List.of(pooled, norm), new String[] {SENTENCE_EMBEDDING});
        g.output(SENTENCE_EMBEDDING, OnnxGraphBuilder.FLOAT, "batch", (long) h);

        Head head = encoder.head().orElse(null);
        if (head != null) {
            head(head, LAST_HIDDEN_STATE);
        }
    }

    private String layer(String x, String mask4, int l) {
        EncoderConfig c = encoder.config();
        String p = "encoder.layer." + l + ".";
        String s = "/encoder/layer." + l + "/";
        long heads = c.numHeads();
        long d = c.headSize();
        String split = g.vector(0, 0, heads, d);
        String q = g.node("Reshape", s + "attention/self/Reshape", List.of(linear(x, p + "attention.self.query"), split));
        String k = g.node("Reshape", s + "attention/self/Reshape_1", List.of(linear(x, p + "attention.self.key"), split));
        String v = g.node("Reshape", s + "attention/self/Reshape_2", List.of(linear(x, p + "attention.self.value"), split));
        q = g.node("Transpose", s + "attention/self/Transpose", List.of(q), OnnxGraphBuilder.Attr.ints("perm", 0, 2, 1, 3));
        k = g.node("Transpose", s + "attention/self/Transpose_1", List.of(k), OnnxGraphBuilder.Attr.ints("perm", 0, 2, 3, 1));
        v = g.node("Transpose", s + "attention/self/Transpose_2", List.of(v), OnnxGraphBuilder.Attr.ints("perm", 0, 2, 1, 3));
        String scores = g.node("MatMul", s + "attention/self/MatMul", List.of(q, k)); // (B, A, T, T)
        scores = g.node("Mul", s + "attention/self/Mul", List.of(scores, g.scalar((float) (1.0 / Math.sqrt(d)))));
        scores = g.node("Add", s + "attention/self/Add", List.of(scores, mask4));
        String probs = g.node("Softmax", s + "attention/self/Softmax", List.of(scores), OnnxGraphBuilder.Attr.i("axis", -1));
        String ctx = g.node("MatMul", s + "attention/self/MatMul_1", List.of(probs, v)); // (B, A, T, d)
        ctx = g.node("Transpose", s + "attention/self/Transpose_3", List.of(ctx), OnnxGraphBuilder.Attr.ints("perm", 0, 2, 1, 3));
        ctx = g.node("Reshape", s + "attention/self/Reshape_3", List.of(ctx, g.vector(0, 0, heads * d)));
        String attn = linear(ctx, p + "attention.output.dense");
        String a = layerNorm(g.node("Add", s + "attention/output/Add", List.of(attn, x)), p + "attention.output.LayerNorm");
        String inter = activation(linear(a, p + "intermediate.dense"), s + "intermediate/intermediate_act_fn/");
        String out = linear(inter, p + "output.dense");
        return layerNorm(g.node("Add", s + "output/Add", List.of(out, a)), p + "output.LayerNorm");
    }

    private void head(Head head, String hidden) {
        String logits;
        if (head instanceof ClassificationHead) {
            String cls = g.node("Gather", "/pooler/Gather", List.of(hidden, g.scalar(0L)), OnnxGraphBuilder.Attr.i("axis", 1));
            String pooled = g.node("Tanh", "/pooler/activation/Tanh", List.of(linear(cls, "pooler.dense")));
            logits = linear(pooled, "classifier");
        } else if (head instanceof SpanQaHead) {
            logits = linear(hidden, "qa_outputs");
        } else if (head instanceof MaskedLmHead) {
            String t = linear(hidden, "cls.predictions.transform.dense");
            t = activation(t, "/cls/predictions/transform/transform_act_fn/");
            t = layerNorm(t, "cls.predictions.transform.LayerNorm");
            // the decoder is tied to the word embeddings (V, H): stored transposed, as a Linear weight
            logits = linearWith(t, "cls.predictions.decoder", transposed(state.get("embeddings.word_embeddings.weight")),
                    state.get("cls.predictions.bias").toFloats());
        } else {
            throw new IllegalArgumentException("head " + head.architecture() + " cannot be exported to ONNX; "
                    + "supported heads: BertForSequenceClassification, BertForQuestionAnswering, BertForMaskedLM");
        }
        g.nodeWithOutputs("Identity", "/logits/Identity", List.of(logits), new String[] {LOGITS});
        Object[] dims = head instanceof ClassificationHead ? new Object[] {"batch", (long) head.numOutputs()}
                : new Object[] {"batch", "sequence", (long) head.numOutputs()};
        g.output(LOGITS, OnnxGraphBuilder.FLOAT, dims);
    }

    private String weight(String name) {
        TensorData t = require(name);
        return g.floats(name, t.shape(), t.toFloats());
    }

    private TensorData require(String name) {
        TensorData t = state.get(name);
        if (t == null) {
            throw new IllegalStateException("encoder has no parameter " + name + "; cannot export it");
        }
        return t;
    }

    private String layerNorm(String x, String module) {
        String scope = "/" + module.replace('.', '/').replace("layer/", "layer.") + "/LayerNormalization";
        return g.node("LayerNormalization", scope, List.of(x, weight(module + ".weight"), weight(module + ".bias")),
                OnnxGraphBuilder.Attr.i("axis", -1), OnnxGraphBuilder.Attr.f("epsilon", encoder.config().layerNormEps()));
    }

    /** A Linear module: x·W + b with W stored [in, out]. */
    private String linear(String x, String module) {
        return linearWith(x, module, transposed(require(module + ".weight")), require(module + ".bias").toFloats());
    }

    /** A transposed (out, in) weight: {w [in, out], in, out}. */
    private record Transposed(float[] w, int in, int out) {}

    private static Transposed transposed(TensorData t) {
        int out = Math.toIntExact(t.shape()[0]);
        int in = Math.toIntExact(t.shape()[1]);
        float[] src = t.toFloats();
        float[] w = new float[src.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[i * out + o] = src[o * in + i];
            }
        }
        return new Transposed(w, in, out);
    }

    private String linearWith(String x, String module, Transposed w, float[] bias) {
        String s = "/" + module.replace('.', '/').replace("layer/", "layer.") + "/";
        String y;
        if (precision == Precision.FLOAT32) {
            String wName = g.floats(module + ".weight.T", new long[] {w.in, w.out}, w.w);
            y = g.node("MatMul", s + "MatMul", List.of(x, wName));
        } else {
            y = int8MatMul(g, x, module, w.w, w.in, w.out, s);
        }
        String b = g.floats(module + ".bias", new long[] {bias.length}, bias);
        return g.node("Add", s + "Add", List.of(y, b));
    }

    /**
     * {@code y ≈ x·W} with W int8 per output channel and x quantised to uint8 at run time:
     * {@code (x_q, s_x, z_x) = DynamicQuantizeLinear(x)}, {@code y = float(MatMulInteger(x_q, W_q, z_x, 0))
     * · (s_x · s_j)}. Per element, with x̂ = s_x·(x_q − z_x) and Ŵ = s_j·W_q, the error is
     * {@code |x̂Ŵ − xW| ≤ Σ_i (|x_i|·s_j/2 + |W_ij|·s_x + s_x·s_j/2)} (x's error is at most one step
     * s_x when its extreme saturates after the zero point is rounded, else half a step).
     *
     * @param w row-major [in, out]
     * @return the name of the float output (before any bias)
     */
    static String int8MatMul(OnnxGraphBuilder g, String x, String module, float[] w, int in, int out, String scope) {
        Int8Weights q = Int8Weights.quantize(w, in, out);
        String wq = g.int8s(module + ".weight.T_quantized", new long[] {in, out}, q.values());
        String wScale = g.floats(module + ".weight.T_scale", new long[] {out}, q.scales());
        String wZero = g.int8s(module + ".weight.T_zero_point", new long[0], new byte[] {0});
        String[] xq = g.node("DynamicQuantizeLinear", scope + "DynamicQuantizeLinear", List.of(x), 3);
        String acc = g.node("MatMulInteger", scope + "MatMulInteger", List.of(xq[0], wq, xq[2], wZero));
        String f = g.node("Cast", scope + "Cast", List.of(acc), OnnxGraphBuilder.Attr.i("to", OnnxGraphBuilder.FLOAT));
        String scale = g.node("Mul", scope + "Mul_scale", List.of(xq[1], wScale));
        return g.node("Mul", scope + "MatMul", List.of(f, scale));
    }

    private String activation(String x, String scope) {
        switch (encoder.config().hiddenAct()) {
            case GELU: {
                // x·Φ(x) = 0.5·x·(1 + erf(x/√2))
                String e = g.node("Erf", scope + "Erf", List.of(g.node("Div", scope + "Div", List.of(x, g.scalar((float) Math.sqrt(2))))));
                String t = g.node("Mul", scope + "Mul", List.of(x, g.node("Add", scope + "Add", List.of(e, g.scalar(1f)))));
                return g.node("Mul", scope + "Mul_1", List.of(t, g.scalar(0.5f)));
            }
            case GELU_TANH: {
                // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                String cube = g.node("Pow", scope + "Pow", List.of(x, g.scalar(3f)));
                String inner = g.node("Add", scope + "Add", List.of(x, g.node("Mul", scope + "Mul", List.of(cube, g.scalar(0.044715f)))));
                String th = g.node("Tanh", scope + "Tanh",
                        List.of(g.node("Mul", scope + "Mul_1", List.of(inner, g.scalar((float) Math.sqrt(2 / Math.PI))))));
                String t = g.node("Mul", scope + "Mul_2", List.of(x, g.node("Add", scope + "Add_1", List.of(th, g.scalar(1f)))));
                return g.node("Mul", scope + "Mul_3", List.of(t, g.scalar(0.5f)));
            }
            case RELU:
                return g.node("Relu", scope + "Relu", List.of(x));
            default:
                throw new IllegalStateException("activation " + encoder.config().hiddenAct() + " has no ONNX export");
        }
    }
}
