package dev.distill.models.io.onnx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main graph of an ONNX model ({@code GraphProto}): nodes in file order (topologically sorted,
 * as ONNX requires), initializers by name, and the names of the graph inputs and outputs. Also
 * answers the data-flow questions an importer asks: which node writes a value, which nodes read
 * it, and whether a value is a constant (an initializer or a {@code Constant} node's output).
 */
public final class OnnxGraph {

    private final String name;
    private final List<OnnxNode> nodes;
    private final Map<String, OnnxTensor> initializers;
    private final List<String> inputNames;
    private final List<String> outputNames;
    private final Map<String, OnnxNode> producers = new HashMap<>();
    private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

    private OnnxGraph(String name, List<OnnxNode> nodes, Map<String, OnnxTensor> initializers,
            List<String> inputNames, List<String> outputNames) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.initializers = Collections.unmodifiableMap(initializers);
        this.inputNames = List.copyOf(inputNames);
        this.outputNames = List.copyOf(outputNames);
        for (OnnxNode n : this.nodes) {
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
    }

    static OnnxGraph parse(ProtoReader r) throws OnnxFormatException {
        String name = "";
        List<OnnxNode> nodes = new ArrayList<>();
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1:
                    r.expect(tag, ProtoReader.LEN, "GraphProto.node");
                    nodes.add(OnnxNode.parse(r.readMessage()));
                    break;
                case 2:
                    r.expect(tag, ProtoReader.LEN, "GraphProto.name");
                    name = r.readString();
                    break;
                case 5: {
                    r.expect(tag, ProtoReader.LEN, "GraphProto.initializer");
                    OnnxTensor t = OnnxTensor.parse(r.readMessage());
                    initializers.put(t.name(), t);
                    break;
                }
                case 11:
                    r.expect(tag, ProtoReader.LEN, "GraphProto.input");
                    inputs.add(valueInfoName(r.readMessage()));
                    break;
                case 12:
                    r.expect(tag, ProtoReader.LEN, "GraphProto.output");
                    outputs.add(valueInfoName(r.readMessage()));
                    break;
                default: // sparse_initializer, doc_string, value_info, quantization_annotation, metadata
                    r.skip(ProtoReader.wireType(tag));
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static String valueInfoName(ProtoReader r) throws OnnxFormatException {
        String n = "";
        while (r.hasMore()) {
            int tag = r.readTag();
            if (ProtoReader.field(tag) == 1 && ProtoReader.wireType(tag) == ProtoReader.LEN) {
                n = r.readString();
            } else {
                r.skip(ProtoReader.wireType(tag));
            }
        }
        return n;
    }

    /** {@return the graph's name, e.g. {@code main_graph}} */
    public String name() {
        return name;
    }

    /**
     * Nodes in file order.
     *
     * @return an immutable list
     */
    public List<OnnxNode> nodes() {
        return nodes;
    }

    /**
     * Initializers by name, in file order.
     *
     * @return an unmodifiable map
     */
    public Map<String, OnnxTensor> initializers() {
        return initializers;
    }

    /**
     * Names of the graph inputs (for IR &lt; 4 files this may include initializer names).
     *
     * @return an immutable list
     */
    public List<String> inputNames() {
        return inputNames;
    }

    /**
     * Names of the graph outputs.
     *
     * @return an immutable list
     */
    public List<String> outputNames() {
        return outputNames;
    }

    /**
     * The node that writes {@code valueName}, or null (graph inputs and initializers).
     *
     * @param valueName a value's name
     * @return the node
     */
    public OnnxNode producer(String valueName) {
        return producers.get(valueName);
    }

    /**
     * The nodes that read {@code valueName}, in file order.
     *
     * @param valueName a value's name
     * @return the graph's own list (do not modify it), empty when nothing reads it
     */
    public List<OnnxNode> consumers(String valueName) {
        return consumers.getOrDefault(valueName, List.of());
    }

    /**
     * The constant tensor behind a value: an initializer of that name, or the {@code value}
     * attribute of the {@code Constant} node that writes it. Null when the value is computed.
     *
     * @param valueName a value's name
     * @return the tensor, or null
     */
    public OnnxTensor constantTensor(String valueName) {
        OnnxTensor init = initializers.get(valueName);
        if (init != null) {
            return init;
        }
        OnnxNode p = producers.get(valueName);
        if (p != null && p.opType().equals("Constant") && p.attribute("value") != null) {
            return p.attribute("value").t();
        }
        return null;
    }

    /**
     * The elements of a constant value as doubles: an initializer, or a {@code Constant} node in any
     * of its forms ({@code value}, {@code value_float(s)}, {@code value_int(s)}). Null when the
     * value is computed or not numeric.
     *
     * @param valueName a value's name
     * @return a new array, or null
     * @throws IOException if the constant's data cannot be read
     */
    public double[] constantDoubles(String valueName) throws IOException {
        OnnxTensor t = constantTensor(valueName);
        if (t != null) {
            return t.toDoubles();
        }
        OnnxNode p = producers.get(valueName);
        if (p == null || !p.opType().equals("Constant")) {
            return null;
        }
        for (OnnxAttribute a : p.attributes().values()) {
            switch (a.name()) {
                case "value_float":
                    return new double[] {a.f()};
                case "value_int":
                    return new double[] {a.i()};
                case "value_floats": {
                    float[] f = a.floats();
                    double[] d = new double[f.length];
                    for (int i = 0; i < f.length; i++) {
                        d[i] = f[i];
                    }
                    return d;
                }
                case "value_ints": {
                    long[] l = a.ints();
                    double[] d = new double[l.length];
                    for (int i = 0; i < l.length; i++) {
                        d[i] = l[i];
                    }
                    return d;
                }
                default:
                    break;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "OnnxGraph{'" + name + "', " + nodes.size() + " nodes, " + initializers.size()
                + " initializers, inputs " + inputNames + ", outputs " + outputNames + "}";
    }
}
