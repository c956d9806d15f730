// Over 400 lines: the graph walk that maps an exported BERT back to HF parameter names (699 lines
// of code) is one job whose cases (fused, split, transposed weights) share its matching state.
package dev.distill.models.io.onnx;

import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.EncoderConfig.HiddenAct;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a BERT-family encoder (BERT, MiniLM, BGE, e5, …) from an ONNX graph exported from
 * Hugging Face {@code transformers}, into Hugging Face {@code BertModel} parameter names and
 * PyTorch layouts, and infers its {@link EncoderConfig} from the graph.
 *
 * <h2>How tensors are found</h2>
 * The PyTorch 2 exporter keeps some parameter names ({@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.bias}, the LayerNorm weights) but renames every
 * Linear weight to {@code onnx::MatMul_N} and stores it as {@code [in, out]}, the transpose of
 * PyTorch's {@code [out, in]}, because the graph computes {@code y = x·W + b}. The node that reads a
 * tensor still carries the module scope, e.g. {@code /encoder/layer.0/attention/self/query/MatMul}.
 * So each tensor is matched through the node that consumes it:
 * <ul>
 *   <li>the module path is the node name without its last component, slashes to dots, with any
 *       prefix before the first {@code embeddings}/{@code encoder}/{@code pooler} component
 *       dropped ({@code /bert/encoder/layer.0/...} works too);</li>
 *   <li>in a Linear module, the constant second input of a {@code MatMul} is the weight
 *       (transposed to {@code [out, in]}); a {@code Gemm} gives weight (transposed unless
 *       {@code transB = 1}) and bias; the constant 1-D input of an {@code Add} is the bias, whatever
 *       its name ({@code onnx::Add_N} after constant folding);</li>
 *   <li>in a LayerNorm module, a {@code LayerNormalization} node's inputs 1 and 2, or, when
 *       LayerNorm is decomposed (opset &lt; 17), the 1-D constant of the {@code Mul} (weight) and
 *       of the {@code Add} (bias);</li>
 *   <li>in an embedding module, the table read by {@code Gather}.</li>
 * </ul>
 * Constants are initializers or {@code Constant} node outputs; one constant read by several
 * modules (a shared or deduplicated initializer) is given to each. Tensors the nodes do not
 * reveal are then taken from initializers whose name (prefix dropped) is already a Hugging Face
 * name, in the layout that name implies.
 *
 * <h2>How the configuration is inferred</h2>
 * Sizes come from shapes: vocabulary and hidden width from the word-embedding table
 * {@code [V, H]}, positions and token types from theirs, the FFN width from layer 0's intermediate
 * weight, the Q/K/V width {@code A = numHeads · headSize} from the query weight, the layer count from
 * the highest layer index found. The head count comes from the graph, in this order:
 * <ol>
 *   <li>a {@code num_heads} attribute (fused Attention operators);</li>
 *   <li>the target shape of the {@code Reshape} that splits layer 0's query/key/value into heads,
 *       {@code [B, T, numHeads, headSize]} (a constant, or a {@code Concat} whose last two parts are
 *       constants, as the PyTorch exporter writes it);</li>
 *   <li>the attention scale: scores are divided by {@code c = √headSize} (or multiplied by
 *       {@code 1/√headSize}), so {@code headSize = round(c²)} and {@code numHeads = A / headSize}.</li>
 * </ol>
 * When both the Reshape and the scale are present they must agree. LayerNorm epsilon is the
 * {@code epsilon} attribute of {@code LayerNormalization} nodes (ONNX default 1e-5), or, decomposed,
 * the scalar added to the variance right before {@code Sqrt}; all LayerNorms must agree. The
 * activation is read from the operators inside the intermediate (FFN) modules: {@code Erf} is the
 * exact GELU, {@code Tanh} the tanh approximation ("gelu_new"), {@code Relu} ReLU. Dropout is not
 * stored in an inference graph, so the Hugging Face default 0.1 is kept; the pad token id is 0.
 *
 * <p>Every mismatch is reported with what was found and what was expected: a graph of another
 * architecture, a constant-weight MatMul in a module BertModel does not have, every missing or
 * wrong-shape tensor at once.
 */
public final class OnnxBertImporter {

    private static final String LINEAR_RE = "encoder\\.layer\\.(\\d+)\\.(?:attention\\.self\\.(?:query|key|value)"
            + "|attention\\.output\\.dense|intermediate\\.dense|output\\.dense)|pooler\\.dense";
    private static final String LAYER_NORM_RE =
            "embeddings\\.LayerNorm|encoder\\.layer\\.(\\d+)\\.(?:attention\\.output|output)\\.LayerNorm";
    private static final String EMBEDDING_RE = "embeddings\\.(?:word|position|token_type)_embeddings";
    private static final Pattern LINEAR = Pattern.compile(LINEAR_RE);
    private static final Pattern LAYER_NORM = Pattern.compile(LAYER_NORM_RE);
    private static final Pattern EMBEDDING = Pattern.compile(EMBEDDING_RE);
    private static final Pattern HF_NAME = Pattern.compile("(?:(?:" + LINEAR_RE + "|" + LAYER_NORM_RE
            + ")\\.(?:weight|bias))|(?:" + EMBEDDING_RE + ")\\.weight");
    private static final Pattern LAYER_INDEX = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    private static final Pattern GPT_STYLE =
            Pattern.compile("(^|[./])(wte|wpe|c_attn|c_fc|c_proj|ln_f|h\\.\\d+|transformer\\.h|"
                    + "self_attn|decoder|lm_head|model\\.layers)([./]|$)");
    private static final Set<String> FOREIGN_OPS = Set.of("Conv", "ConvTranspose", "ConvInteger", "QLinearConv",
            "LSTM", "GRU", "RNN", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization");

    private static final String LINEAR_LIST = "encoder.layer.N.attention.self.{query,key,value},"
            + " encoder.layer.N.attention.output.dense, encoder.layer.N.intermediate.dense,"
            + " encoder.layer.N.output.dense, pooler.dense";

    private OnnxBertImporter() {}

    /**
     * Imports an {@code .onnx} file.
     *
     * @param file the {@code .onnx} file
     * @return the configuration and weights under Hugging Face names
     * @throws IOException if the file cannot be read, is not valid ONNX, or is not a BERT-family
     *         encoder this importer understands (the message says what was found)
     */
    public static ImportedEncoder load(Path file) throws IOException {
        return fromModel(OnnxModel.read(file));
    }

    /**
     * Imports a model from a stream (read fully, not closed).
     *
     * @param in the bytes of an {@code .onnx} file
     * @param sourceName names the stream in error messages, e.g. {@code /bge-small-en-v1.5.onnx}
     * @return the configuration and weights under Hugging Face names
     * @throws IOException if the stream cannot be read, is not valid ONNX, or is not a BERT-family
     *     encoder this importer understands
     */
    public static ImportedEncoder load(InputStream in, String sourceName) throws IOException {
        return fromModel(OnnxModel.read(in, sourceName));
    }

    /**
     * Imports an already parsed model.
     *
     * @param model the parsed model
     * @return the configuration and weights under Hugging Face names
     * @throws IOException if it is not a BERT-family encoder this importer understands
     */
    public static ImportedEncoder fromModel(OnnxModel model) throws IOException {
        return new Run(model).run();
    }

    /**
     * The Hugging Face {@code BertModel} parameter names of an encoder with {@code numLayers}
     * layers, in {@code state_dict()} order.
     *
     * @param numLayers L
     * @param withPooler whether to include {@code pooler.dense.weight} and {@code .bias}
     * @return a new list
     */
    public static List<String> bertModelNames(int numLayers, boolean withPooler) {
        List<String> names = new ArrayList<>();
        for (String e : List.of("word_embeddings", "position_embeddings", "token_type_embeddings")) {
            names.add("embeddings." + e + ".weight");
        }
        names.add("embeddings.LayerNorm.weight");
        names.add("embeddings.LayerNorm.bias");
        for (int i = 0; i < numLayers; i++) {
            String p = "encoder.layer." + i + ".";
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense",
                    "output.LayerNorm")) {
                names.add(p + m + ".weight");
                names.add(p + m + ".bias");
            }
        }
        if (withPooler) {
            names.add("pooler.dense.weight");
            names.add("pooler.dense.bias");
        }
        return names;
    }

    /** Where one Hugging Face tensor comes from. */
    private static final class Found {
        final OnnxTensor tensor;
        final boolean transpose;
        final String via; // the consuming node, or "initializer name"
        final OnnxNode node; // null when matched by name

        Found(OnnxTensor tensor, boolean transpose, String via, OnnxNode node) {
            this.tensor = tensor;
            this.transpose = transpose;
            this.via = via;
            this.node = node;
        }
    }

    /** One import: the state of the matching passes over one graph. */
    private static final class Run {
        private final OnnxModel model;
        private final OnnxGraph g;
        private final String src;
        private final Map<String, Found> found = new LinkedHashMap<>();
        private final List<String> conflicts = new ArrayList<>();
        private final List<String> unknownMatMuls = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        Run(OnnxModel model) {
            this.model = model;
            this.g = model.graph();
            this.src = model.source();
        }

        ImportedEncoder run() throws IOException {
            notes.add("read " + src + ": ONNX IR " + model.irVersion() + ", opsets " + model.opsetImports()
                    + ", produced by " + model.producerName() + " " + model.producerVersion() + ", "
                    + g.nodes().size() + " nodes, " + g.initializers().size() + " initializers");
            rejectForeignOperators();
            matchThroughNodes();
            matchByName();
            requireWordEmbeddings();
            if (!unknownMatMuls.isEmpty()) {
                throw new IOException("ONNX graph " + src + ": " + String.join("; ", unknownMatMuls)
                        + ". Known Linear modules: " + LINEAR_LIST + ". Export the bare encoder"
                        + " (transformers AutoModel / BertModel, no task head) with torch >= 2.0, whose"
                        + " node names keep the module scopes");
            }
            if (!conflicts.isEmpty()) {
                throw new IOException("ONNX graph " + src + " gives two different tensors to the same"
                        + " parameter: " + String.join("; ", conflicts));
            }

            int numLayers = countLayers();
            boolean pooler = found.containsKey("pooler.dense.weight") || found.containsKey("pooler.dense.bias");
            List<String> expected = bertModelNames(numLayers, pooler);
            List<String> missing = new ArrayList<>();
            for (String name : expected) {
                if (!found.containsKey(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IOException("ONNX graph " + src + " (" + numLayers + " layers found) lacks "
                        + missing.size() + " tensor(s) BertModel needs: " + missing + ". Each must be an"
                        + " initializer of that name or a constant read by a node of that module (e.g."
                        + " the MatMul '/encoder/layer.0/output/dense/MatMul'); the graph may be"
                        + " truncated, pruned or optimized beyond recognition: export it again from"
                        + " transformers without graph optimizations");
            }
            List<String> ignored = new ArrayList<>();
            Set<OnnxTensor> used = new java.util.HashSet<>();
            for (String name : expected) {
                used.add(found.get(name).tensor);
            }
            for (OnnxTensor t : g.initializers().values()) {
                if (!used.contains(t)) {
                    ignored.add(t.name() + " " + Arrays.toString(t.dims()));
                }
            }

            Map<String, TensorData> tensors = new LinkedHashMap<>();
            List<String> notFloat = new ArrayList<>();
            for (String name : expected) {
                Found f = found.get(name);
                TensorData t = f.tensor.toTensorData();
                if (!t.dtype().isFloating()) {
                    notFloat.add(name + " ('" + f.tensor.name() + "' is " + f.tensor.dataTypeName() + ")");
                    continue;
                }
                if (f.transpose) {
                    if (t.shape().length != 2) {
                        throw new IOException("ONNX graph " + src + ": Linear weight '" + f.tensor.name()
                                + "' read by " + f.via + " for " + name + " has shape "
                                + Arrays.toString(t.shape()) + ", expected a matrix [in, out]");
                    }
                    tensors.put(name, transpose(t));
                } else {
                    tensors.put(name, copy(t));
                }
            }
            if (!notFloat.isEmpty()) {
                throw new IOException("ONNX graph " + src + " has non-floating-point weights (quantized?): "
                        + notFloat + "; import the float32 export of the model");
            }

            EncoderConfig config = inferConfig(tensors, numLayers);
            checkShapes(tensors, config, pooler);
            notes.add("dropout is not stored in an ONNX inference graph: Hugging Face's default "
                    + config.hiddenDropout() + " kept; padTokenId " + config.padTokenId());
            if (!ignored.isEmpty()) {
                notes.add("initializers not part of BertModel, ignored: " + ignored);
            }
            return new ImportedEncoder(config, tensors, src, notes);
        }

        // ---------------------------------------------------------------- architecture checks

        private void rejectForeignOperators() throws IOException {
            Map<String, List<String>> foreign = new TreeMap<>();
            for (OnnxNode n : g.nodes()) {
                if (FOREIGN_OPS.contains(n.opType())) {
                    foreign.computeIfAbsent(n.opType(), k -> new ArrayList<>()).add(n.name());
                }
            }
            if (!foreign.isEmpty()) {
                StringBuilder sb = new StringBuilder();
                for (Map.Entry<String, List<String>> e : foreign.entrySet()) {
                    if (sb.length() > 0) {
                        sb.append(", ");
                    }
                    sb.append(e.getValue().size()).append(" ").append(e.getKey()).append(" (first: '")
                            .append(e.getValue().get(0)).append("')");
                }
                throw new IOException("not a BERT-family encoder graph: " + src + " has " + sb
                        + " node(s), operators a BERT encoder never uses (expected embeddings Gather,"
                        + " MatMul/Add attention and feed-forward, LayerNorm, Softmax)");
            }
        }

        private void requireWordEmbeddings() throws IOException {
            if (found.containsKey("embeddings.word_embeddings.weight")) {
                return;
            }
            List<String> names = new ArrayList<>(g.initializers().keySet());
            StringBuilder why = new StringBuilder("not a BERT-family encoder graph: " + src
                    + " has no word-embedding table (an initializer named embeddings.word_embeddings.weight,"
                    + " or one read by a Gather node under /embeddings/word_embeddings/)");
            List<String> gptLike = new ArrayList<>();
            for (String n : names) {
                if (GPT_STYLE.matcher(n).find()) {
                    gptLike.add(n);
                }
            }
            for (OnnxNode n : g.nodes()) {
                if (gptLike.size() < 3 && GPT_STYLE.matcher(n.name()).find()) {
                    gptLike.add(n.name());
                }
            }
            if (!gptLike.isEmpty()) {
                why.append("; names such as ").append(gptLike.subList(0, Math.min(3, gptLike.size())))
                        .append(" look like a GPT-style decoder (wte, h.N.attn.c_attn, lm_head, ...), which"
                                + " this importer does not read");
            }
            why.append("; found ").append(names.size()).append(" initializers ")
                    .append(names.subList(0, Math.min(8, names.size()))).append(names.size() > 8 ? "..." : "")
                    .append(" and operators ").append(opHistogram())
                    .append(". Supported: BERT-family encoders exported from transformers (BERT, MiniLM,"
                            + " BGE, e5, ...)");
            throw new IOException(why.toString());
        }

        private String opHistogram() {
            Map<String, Integer> ops = new TreeMap<>();
            for (OnnxNode n : g.nodes()) {
                ops.merge(n.opType(), 1, Integer::sum);
            }
            return ops.toString();
        }

        // ---------------------------------------------------------------- matching

        /** Pass A: every constant input of every node, matched through the node's module scope. */
        private void matchThroughNodes() {
            for (OnnxNode n : g.nodes()) {
                String path = modulePath(n.name());
                String module = canonical(path);
                for (int j = 0; j < n.inputs().size(); j++) {
                    String in = n.inputs().get(j);
                    if (in.isEmpty()) {
                        continue;
                    }
                    OnnxTensor c = g.constantTensor(in);
                    if (c == null) {
                        continue;
                    }
                    matchConstant(n, j, c, path, module);
                }
            }
        }

        private void matchConstant(OnnxNode n, int j, OnnxTensor c, String path, String module) {
            String op = n.opType();
            boolean isLinearOp = op.equals("MatMul") || op.equals("Gemm");
            if (module != null && LINEAR.matcher(module).matches()) {
                if (isLinearOp && j == 1 && c.rank() == 2) {
                    boolean transB = op.equals("Gemm") && n.attribute("transB") != null
                            && n.attribute("transB").i() != 0;
                    put(module + ".weight", new Found(c, !transB, op + " '" + n.name() + "'", n));
                } else if ((op.equals("Gemm") && j == 2 || op.equals("Add")) && isVector(c)) {
                    put(module + ".bias", new Found(c, false, op + " '" + n.name() + "'", n));
                }
                return;
            }
            if (isLinearOp && j == 1 && c.rank() == 2) {
                String where = path == null || path.isEmpty()
                        ? "its name carries no module scope"
                        : "its module path '" + path + "' is none of BertModel's Linear layers";
                unknownMatMuls.add(op + " node '" + n.name() + "' multiplies by the constant weight '"
                        + c.name() + "' " + Arrays.toString(c.dims()) + ", but " + where);
                return;
            }
            if (module != null && LAYER_NORM.matcher(module).matches()) {
                if (op.endsWith("LayerNormalization") && (j == 1 || j == 2)) {
                    put(module + (j == 1 ? ".weight" : ".bias"), new Found(c, false, op + " '" + n.name() + "'", n));
                } else if ((op.equals("Mul") || op.equals("Add")) && isVector(c)) {
                    put(module + (op.equals("Mul") ? ".weight" : ".bias"),
                            new Found(c, false, op + " '" + n.name() + "'", n));
                }
                return;
            }
            if (module != null && EMBEDDING.matcher(module).matches() && op.equals("Gather") && j == 0
                    && c.rank() == 2) {
                put(module + ".weight", new Found(c, false, op + " '" + n.name() + "'", n));
            }
        }

        /**
         * A 1-D constant of length &gt; 1: a bias or LayerNorm parameter, not a scalar such as the
         * LayerNorm epsilon (some exporters store scalars as shape [1]).
         */
        private static boolean isVector(OnnxTensor c) {
            return c.rank() == 1 && c.dim(0) > 1;
        }

        private void put(String hfName, Found f) {
            Found old = found.get(hfName);
            if (old == null) {
                found.put(hfName, f);
            } else if (old.tensor != f.tensor) {
                conflicts.add(hfName + " from '" + old.tensor.name() + "' (read by " + old.via + ") and from '"
                        + f.tensor.name() + "' (read by " + f.via + ")");
            }
        }

        /** Pass B: initializers already named as Hugging Face parameters, for what pass A missed. */
        private void matchByName() {
            for (OnnxTensor t : g.initializers().values()) {
                String name = canonical(t.name());
                if (name != null && HF_NAME.matcher(name).matches() && !found.containsKey(name)) {
                    found.put(name, new Found(t, false, "initializer name", null));
                }
            }
        }

        private int countLayers() throws IOException {
            TreeSet<Integer> layers = new TreeSet<>();
            for (String name : found.keySet()) {
                Matcher m = LAYER_INDEX.matcher(name);
                if (m.find()) {
                    layers.add(Integer.parseInt(m.group(1)));
                }
            }
            if (layers.isEmpty()) {
                throw new IOException("not a BERT-family encoder graph: " + src + " has embeddings but no"
                        + " encoder layer (no node or initializer under encoder.layer.N); operators found: "
                        + opHistogram());
            }
            return layers.last() + 1;
        }

        // ---------------------------------------------------------------- configuration

        private EncoderConfig inferConfig(Map<String, TensorData> t, int numLayers) throws IOException {
            long[] word = t.get("embeddings.word_embeddings.weight").shape();
            if (word.length != 2) {
                throw new IOException("ONNX graph " + src + ": embeddings.word_embeddings.weight has shape "
                        + Arrays.toString(word) + ", expected [vocab, hidden]");
            }
            int vocab = Math.toIntExact(word[0]);
            int hidden = Math.toIntExact(word[1]);
            int maxPositions = Math.toIntExact(t.get("embeddings.position_embeddings.weight").shape()[0]);
            int typeVocab = Math.toIntExact(t.get("embeddings.token_type_embeddings.weight").shape()[0]);
            int ffn = Math.toIntExact(t.get("encoder.layer.0.intermediate.dense.weight").shape()[0]);
            int allHead = Math.toIntExact(t.get("encoder.layer.0.attention.self.query.weight").shape()[0]);
            int[] heads = inferHeads(allHead);
            float eps = inferEps();
            HiddenAct act = inferActivation();
            EncoderConfig.Builder b = EncoderConfig.builder().setVocabSize(vocab).setHiddenSize(hidden)
                    .setNumLayers(numLayers).setNumHeads(heads[0]).setIntermediateSize(ffn)
                    .optMaxPositions(maxPositions).optTypeVocabSize(typeVocab).optLayerNormEps(eps)
                    .optHiddenAct(act);
            if (allHead != hidden) {
                b.optHeadSize(heads[1]);
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new IOException("ONNX graph " + src + ": the inferred configuration is invalid: "
                        + e.getMessage(), e);
            }
        }

        /** Returns {numHeads, headSize}; see the class comment for the order of evidence. */
        private int[] inferHeads(int allHead) throws IOException {
            for (OnnxNode n : g.nodes()) {
                OnnxAttribute a = n.attribute("num_heads");
                if (a != null && a.type() == OnnxAttribute.Type.INT && a.i() > 0) {
                    int h = (int) a.i();
                    requireDivides(allHead, h, "num_heads attribute of " + n.opType() + " '" + n.name() + "'");
                    notes.add("numHeads " + h + " from the num_heads attribute of " + n.opType() + " '"
                            + n.name() + "'");
                    return new int[] {h, allHead / h};
                }
            }
            int[] fromReshape = null;
            String reshapeWhere = null;
            for (String proj : List.of("query", "key", "value")) {
                Found w = found.get("encoder.layer.0.attention.self." + proj + ".weight");
                if (w == null || w.node == null || fromReshape != null) {
                    continue;
                }
                for (String v : projectionOutputs(w.node)) {
                    for (OnnxNode r : g.consumers(v)) {
                        if (!r.opType().equals("Reshape") || fromReshape != null) {
                            continue;
                        }
                        long[] shape = shapeConstant(r.input(1));
                        if (shape != null && shape.length == 4) {
                            long h = shape[2];
                            long d = shape[3];
                            if (h <= 0 && d > 0 && allHead % d == 0) {
                                h = allHead / d;
                            } else if (d <= 0 && h > 0 && allHead % h == 0) {
                                d = allHead / h;
                            }
                            if (h > 0 && d > 0) {
                                if (h * d != allHead) {
                                    throw new IOException("ONNX graph " + src + ": Reshape '" + r.name()
                                            + "' splits the " + allHead + "-wide " + proj + " projection into "
                                            + h + " heads of " + d + " (" + h * d + "), expected a product of "
                                            + allHead);
                                }
                                fromReshape = new int[] {(int) h, (int) d};
                                reshapeWhere = "Reshape '" + r.name() + "' (target shape "
                                        + Arrays.toString(shape).replace("-9223372036854775808", "?") + ")";
                            }
                        }
                    }
                }
            }
            int[] fromScale = null;
            String scaleWhere = null;
            Found q = found.get("encoder.layer.0.attention.self.query.weight");
            if (q != null && q.node != null && q.node.name().contains("/query/")) {
                String scope = q.node.name().substring(0, q.node.name().lastIndexOf("/query/") + 1);
                for (OnnxNode n : g.nodes()) {
                    String rest = n.name().startsWith(scope) ? n.name().substring(scope.length()) : null;
                    if (rest == null || rest.contains("/") || !(n.opType().equals("Div") || n.opType().equals("Mul"))) {
                        continue;
                    }
                    double[] c = g.constantDoubles(n.input(1));
                    if (c == null || c.length != 1 || !(c[0] > 0)) {
                        continue;
                    }
                    double d2 = n.opType().equals("Div") ? c[0] * c[0] : 1 / (c[0] * c[0]);
                    long d = Math.round(d2);
                    if (d > 0 && Math.abs(d2 - d) <= 1e-3 * d && allHead % d == 0) {
                        fromScale = new int[] {(int) (allHead / d), (int) d};
                        scaleWhere = n.opType() + " '" + n.name() + "' by " + c[0];
                        break;
                    }
                }
            }
            if (fromReshape != null && fromScale != null && fromReshape[1] != fromScale[1]) {
                throw new IOException("ONNX graph " + src + ": the head size is " + fromReshape[1] + " by "
                        + reshapeWhere + " but " + fromScale[1] + " by the attention scale of " + scaleWhere
                        + " (BERT scales scores by 1/sqrt(headSize)); the graph is not a standard BERT attention");
            }
            if (fromReshape != null) {
                notes.add("numHeads " + fromReshape[0] + " and headSize " + fromReshape[1] + " from " + reshapeWhere
                        + (fromScale != null ? ", agreeing with the attention scale " + scaleWhere : ""));
                return fromReshape;
            }
            if (fromScale != null) {
                notes.add("numHeads " + fromScale[0] + " from the attention scale " + scaleWhere
                        + " = sqrt(headSize " + fromScale[1] + ")");
                return fromScale;
            }
            throw new IOException("ONNX graph " + src + ": cannot infer the number of attention heads: no"
                    + " num_heads attribute, no Reshape of layer 0's query/key/value to [B, T, heads, headSize]"
                    + " with constant heads and headSize, and no Div by sqrt(headSize) under the self-attention"
                    + " scope of " + (q == null || q.node == null ? "layer 0" : "'" + q.node.name() + "'"));
        }

        private void requireDivides(int allHead, int h, String where) throws IOException {
            if (allHead % h != 0) {
                throw new IOException("ONNX graph " + src + ": " + where + " says " + h + " heads, which do"
                        + " not divide the query width " + allHead);
            }
        }

        /** The projection's output values: the MatMul/Gemm output, and the bias Add's output. */
        private List<String> projectionOutputs(OnnxNode matmul) {
            List<String> outs = new ArrayList<>(matmul.outputs());
            for (String o : matmul.outputs()) {
                for (OnnxNode c : g.consumers(o)) {
                    if (c.opType().equals("Add")) {
                        outs.addAll(c.outputs());
                    }
                }
            }
            return outs;
        }

        /**
         * A Reshape target shape as constants, Long.MIN_VALUE where a part is computed at run time
         * (e.g. batch and sequence length from Shape→Gather→Unsqueeze). Null when unknown.
         */
        private long[] shapeConstant(String value) throws IOException {
            if (value.isEmpty()) {
                return null;
            }
            double[] c = g.constantDoubles(value);
            if (c != null) {
                long[] l = new long[c.length];
                for (int i = 0; i < c.length; i++) {
                    l[i] = (long) c[i];
                }
                return l;
            }
            OnnxNode p = g.producer(value);
            if (p == null || !p.opType().equals("Concat")) {
                return null;
            }
            List<Long> parts = new ArrayList<>();
            for (String in : p.inputs()) {
                double[] part = g.constantDoubles(in);
                if (part != null) {
                    for (double d : part) {
                        parts.add((long) d);
                    }
                } else {
                    OnnxNode pp = g.producer(in);
                    if (pp == null || !pp.opType().equals("Unsqueeze")) {
                        return null; // a computed part of unknown length
                    }
                    parts.add(Long.MIN_VALUE); // Unsqueeze of a scalar: one element
                }
            }
            long[] l = new long[parts.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = parts.get(i);
            }
            return l;
        }

        private float inferEps() throws IOException {
            Map<Float, List<String>> byValue = new LinkedHashMap<>();
            int fused = 0;
            int decomposed = 0;
            for (OnnxNode n : g.nodes()) {
                if (n.opType().endsWith("LayerNormalization")) {
                    OnnxAttribute a = n.attribute("epsilon");
                    float eps = a == null ? 1e-5f : a.f(); // ONNX LayerNormalization default
                    byValue.computeIfAbsent(eps, k -> new ArrayList<>()).add(n.name());
                    fused++;
                } else if (n.opType().equals("Sqrt")) {
                    OnnxNode add = g.producer(n.input(0));
                    if (add == null || !add.opType().equals("Add")) {
                        continue;
                    }
                    for (int j = 0; j < 2; j++) {
                        double[] c = g.constantDoubles(add.input(j));
                        OnnxNode other = g.producer(add.input(1 - j));
                        if (c != null && c.length == 1 && other != null && other.opType().equals("ReduceMean")) {
                            byValue.computeIfAbsent((float) c[0], k -> new ArrayList<>()).add(add.name());
                            decomposed++;
                        }
                    }
                }
            }
            if (byValue.isEmpty()) {
                throw new IOException("ONNX graph " + src + ": cannot find the LayerNorm epsilon: no"
                        + " LayerNormalization node and no decomposed LayerNorm (ReduceMean -> Add(eps) -> Sqrt)");
            }
            if (byValue.size() > 1) {
                StringBuilder sb = new StringBuilder();
                for (Map.Entry<Float, List<String>> e : byValue.entrySet()) {
                    sb.append(sb.length() > 0 ? ", " : "").append(e.getKey()).append(" in ")
                            .append(e.getValue().size()).append(" (e.g. '").append(e.getValue().get(0)).append("')");
                }
                throw new IOException("ONNX graph " + src + ": LayerNorms use different epsilons (" + sb
                        + "); EncoderConfig has one layerNormEps for all");
            }
            float eps = byValue.keySet().iterator().next();
            notes.add("layerNormEps " + eps + " from " + (fused > 0 ? fused + " LayerNormalization node(s)" : "")
                    + (fused > 0 && decomposed > 0 ? " and " : "")
                    + (decomposed > 0 ? decomposed + " decomposed LayerNorm(s) (the scalar added to the variance"
                    + " before Sqrt)" : ""));
            return eps;
        }

        private HiddenAct inferActivation() throws IOException {
            List<OnnxNode> scope = new ArrayList<>();
            for (OnnxNode n : g.nodes()) {
                if (n.name().contains("/intermediate/")) {
                    scope.add(n);
                }
            }
            String where = "the intermediate (FFN) modules";
            if (scope.isEmpty()) {
                for (OnnxNode n : g.nodes()) {
                    if (!n.name().toLowerCase(Locale.ROOT).contains("pooler")) {
                        scope.add(n);
                    }
                }
                where = "the graph (no node is scoped under /intermediate/)";
            }
            OnnxNode erf = first(scope, "Erf", "BiasGelu");
            OnnxNode tanh = first(scope, "Tanh", "FastGelu");
            OnnxNode gelu = first(scope, "Gelu");
            OnnxNode relu = first(scope, "Relu");
            HiddenAct act;
            OnnxNode by;
            if (erf != null) {
                act = HiddenAct.GELU;
                by = erf;
            } else if (tanh != null) {
                act = HiddenAct.GELU_TANH;
                by = tanh;
            } else if (gelu != null) {
                OnnxAttribute a = gelu.attribute("approximate");
                act = a != null && "tanh".equals(a.s()) ? HiddenAct.GELU_TANH : HiddenAct.GELU;
                by = gelu;
            } else if (relu != null) {
                act = HiddenAct.RELU;
                by = relu;
            } else {
                Set<String> ops = new LinkedHashSet<>();
                for (OnnxNode n : scope) {
                    ops.add(n.opType());
                }
                throw new IOException("ONNX graph " + src + ": cannot tell the feed-forward activation: none of"
                        + " Erf (gelu), Tanh (gelu_new), Gelu, Relu in " + where + "; operators there: " + ops);
            }
            notes.add("hiddenAct " + act.hfName() + " from " + by.opType() + " '" + by.name() + "' in " + where);
            return act;
        }

        private static OnnxNode first(List<OnnxNode> nodes, String... ops) {
            for (OnnxNode n : nodes) {
                for (String op : ops) {
                    if (n.opType().equals(op)) {
                        return n;
                    }
                }
            }
            return null;
        }

        private void checkShapes(Map<String, TensorData> t, EncoderConfig c, boolean pooler) throws IOException {
            long h = c.hiddenSize();
            long a = c.allHeadSize();
            long f = c.intermediateSize();
            Map<String, long[]> expect = new LinkedHashMap<>();
            expect.put("embeddings.word_embeddings.weight", new long[] {c.vocabSize(), h});
            expect.put("embeddings.position_embeddings.weight", new long[] {c.maxPositions(), h});
            expect.put("embeddings.token_type_embeddings.weight", new long[] {c.typeVocabSize(), h});
            expect.put("embeddings.LayerNorm.weight", new long[] {h});
            expect.put("embeddings.LayerNorm.bias", new long[] {h});
            for (int i = 0; i < c.numLayers(); i++) {
                String p = "encoder.layer." + i + ".";
                for (String qkv : List.of("query", "key", "value")) {
                    expect.put(p + "attention.self." + qkv + ".weight", new long[] {a, h});
                    expect.put(p + "attention.self." + qkv + ".bias", new long[] {a});
                }
                expect.put(p + "attention.output.dense.weight", new long[] {h, a});
                expect.put(p + "attention.output.dense.bias", new long[] {h});
                expect.put(p + "attention.output.LayerNorm.weight", new long[] {h});
                expect.put(p + "attention.output.LayerNorm.bias", new long[] {h});
                expect.put(p + "intermediate.dense.weight", new long[] {f, h});
                expect.put(p + "intermediate.dense.bias", new long[] {f});
                expect.put(p + "output.dense.weight", new long[] {h, f});
                expect.put(p + "output.dense.bias", new long[] {h});
                expect.put(p + "output.LayerNorm.weight", new long[] {h});
                expect.put(p + "output.LayerNorm.bias", new long[] {h});
            }
            if (pooler) {
                expect.put("pooler.dense.weight", new long[] {h, h});
                expect.put("pooler.dense.bias", new long[] {h});
            }
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, long[]> e : expect.entrySet()) {
                long[] got = t.get(e.getKey()).shape();
                if (!Arrays.equals(got, e.getValue())) {
                    Found fd = found.get(e.getKey());
                    wrong.add(e.getKey() + " is " + Arrays.toString(got) + ", expected " + Arrays.toString(e.getValue())
                            + " (from '" + fd.tensor.name() + "' via " + fd.via + ")");
                }
            }
            if (!wrong.isEmpty()) {
                throw new IOException("ONNX graph " + src + " has " + wrong.size() + " tensor(s) whose shape"
                        + " disagrees with the inferred " + c + ": " + wrong);
            }
        }
    }

    // -------------------------------------------------------------------- names and layouts

    /**
     * The module path of a node: its name without the last component, slashes to dots
     * ({@code /encoder/layer.0/attention/self/query/MatMul} → {@code encoder.layer.0.attention.self.query}).
     * Empty for an unscoped name such as {@code MatMul_12}.
     */
    static String modulePath(String nodeName) {
        String s = nodeName.startsWith("/") ? nodeName.substring(1) : nodeName;
        int cut = s.lastIndexOf('/');
        return cut < 0 ? "" : s.substring(0, cut).replace('/', '.');
    }

    /**
     * A dotted name from its first {@code embeddings}, {@code encoder} or {@code pooler} component
     * ({@code bert.encoder.layer.0...} → {@code encoder.layer.0...}); null when it has none.
     */
    static String canonical(String dotted) {
        if (dotted == null || dotted.isEmpty()) {
            return null;
        }
        String[] parts = dotted.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals("embeddings") || parts[i].equals("encoder") || parts[i].equals("pooler")) {
                return String.join(".", Arrays.asList(parts).subList(i, parts.length));
            }
        }
        return null;
    }

    /** {@code [rows, cols]} → {@code [cols, rows]}, into a new buffer: ONNX's {@code [in, out]} to PyTorch's. */
    static TensorData transpose(TensorData t) {
        int rows = Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[1]);
        int es = t.dtype().bytes();
        ByteBuffer in = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(rows * cols * es).order(ByteOrder.LITTLE_ENDIAN);
        switch (es) {
            case 4: {
                int[] a = new int[rows * cols];
                in.asIntBuffer().get(a);
                int[] b = new int[a.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        b[c * rows + r] = a[r * cols + c];
                    }
                }
                out.asIntBuffer().put(b);
                break;
            }
            default: {
                byte[] a = new byte[rows * cols * es];
                in.get(a);
                byte[] b = new byte[a.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        System.arraycopy(a, (r * cols + c) * es, b, (c * rows + r) * es, es);
                    }
                }
                out.put(b).flip();
                break;
            }
        }
        return new TensorData(t.dtype(), new long[] {cols, rows}, out);
    }

    /** A copy that owns its bytes, so the imported map does not keep the whole file alive. */
    private static TensorData copy(TensorData t) {
        ByteBuffer out = ByteBuffer.allocate(t.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(t.data().duplicate()).flip();
        return new TensorData(t.dtype(), t.shape(), out);
    }
}
