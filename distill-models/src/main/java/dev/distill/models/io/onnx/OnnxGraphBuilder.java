package dev.distill.models.io.onnx;

import dev.distill.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds one ONNX {@code ModelProto} (a single graph, default domain) node by node and writes it
 * with {@link ProtoWriter}. Field numbers are those of {@code onnx.proto} (the same ones
 * {@link OnnxModel} reads): ModelProto ir_version 1, graph 7, opset_import 8, producer 2/3,
 * metadata_props 14; GraphProto node 1, name 2, initializer 5, input 11, output 12; NodeProto
 * input 1, output 2, name 3, op_type 4, attribute 5, domain 7; TensorProto dims 1, data_type 2,
 * name 8, raw_data 9, external_data 13, data_location 14.
 *
 * <p>Weights are initializers in {@code raw_data} (little-endian). When their total size passes
 * {@code externalThreshold}, every initializer of 1 KiB or more goes to a side file
 * {@code <model file name>.data} instead ({@code data_location = EXTERNAL} with {@code location},
 * {@code offset}, {@code length}), which is how ONNX stores models over protobuf's 2 GiB limit.
 */
final class OnnxGraphBuilder {

    /** ONNX {@code TensorProto.DataType} codes used here. */
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;

    /** protobuf's hard limit on one message, less room for the graph's other fields. */
    static final long PROTOBUF_LIMIT = (2L << 30) - (64L << 20);

    private static final int IR_VERSION = 8; // ONNX 1.12+, which opset 17 needs
    private static final long EXTERNAL_MIN_BYTES = 1024;

    /** A node attribute: INT (2), FLOAT (1) or INTS (7). */
    record Attr(String name, int type, long i, float f, long[] ints) {
        static Attr i(String name, long v) {
            return new Attr(name, 2, v, 0f, null);
        }

        static Attr f(String name, float v) {
            return new Attr(name, 1, 0, v, null);
        }

        static Attr ints(String name, long... v) {
            return new Attr(name, 7, 0, 0f, v);
        }
    }

    private record Initializer(String name, int type, long[] dims, ByteBuffer data) {}

    private record ValueInfo(String name, int type, Object[] dims) {}

    private final String graphName;
    private final int opset;
    private final List<ProtoWriter.Message> nodes = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int constants;

    OnnxGraphBuilder(String graphName, int opset) {
        this.graphName = graphName;
        this.opset = opset;
    }

    /** Declares a graph input; each dim is a Long (fixed) or a String (symbolic, dynamic). */
    void input(String name, int type, Object... dims) {
        inputs.add(new ValueInfo(name, type, dims));
    }

    /** Declares a graph output (an existing value's name). */
    void output(String name, int type, Object... dims) {
        outputs.add(new ValueInfo(name, type, dims));
    }

    /** A float32 initializer; returns its name. */
    String floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(new Initializer(unique(name), FLOAT, dims, b));
    }

    /** An int8 initializer. */
    String int8s(String name, long[] dims, byte[] values) {
        return add(new Initializer(unique(name), INT8, dims, ByteBuffer.wrap(values)));
    }

    /** An int64 initializer. */
    String int64s(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return add(new Initializer(unique(name), INT64, dims, b));
    }

    /** A float32 scalar constant (0-d initializer). */
    String scalar(float v) {
        return floats("/const/f" + (constants++), new long[0], new float[] {v});
    }

    /** An int64 scalar constant. */
    String scalar(long v) {
        return int64s("/const/i" + (constants++), new long[0], new long[] {v});
    }

    /** A 1-D int64 constant. */
    String vector(long... v) {
        return int64s("/const/v" + (constants++), new long[] {v.length}, v);
    }

    private String add(Initializer i) {
        initializers.add(i);
        return i.name;
    }

    /** Adds a node with one output named {@code <name>_output_0}; returns that output. */
    String node(String op, String name, List<String> in, Attr... attrs) {
        return node(op, name, in, 1, attrs)[0];
    }

    /** Adds a node with {@code outputCount} outputs; returns their names. */
    String[] node(String op, String name, List<String> in, int outputCount, Attr... attrs) {
        String[] out = new String[outputCount];
        for (int k = 0; k < outputCount; k++) {
            out[k] = unique(name + "_output_" + k);
        }
        nodeWithOutputs(op, name, in, out, attrs);
        return out;
    }

    /** Adds a node whose outputs have given names (e.g. a graph output such as {@code last_hidden_state}). */
    void nodeWithOutputs(String op, String name, List<String> in, String[] out, Attr... attrs) {
        ProtoWriter.Message n = new ProtoWriter.Message();
        for (String s : in) {
            n.string(1, s);
        }
        for (String s : out) {
            n.string(2, s);
        }
        n.string(3, unique(name)).string(4, op);
        for (Attr a : attrs) {
            ProtoWriter.Message m = new ProtoWriter.Message().string(1, a.name);
            switch (a.type) {
                case 1 -> m.float32(2, a.f);
                case 2 -> m.varint(3, a.i);
                default -> m.varints(8, a.ints);
            }
            m.varint(20, a.type);
            n.message(5, m);
        }
        nodes.add(n);
    }

    private String unique(String name) {
        String n = name;
        for (int k = 1; !names.add(n); k++) {
            n = name + "_" + k;
        }
        return n;
    }

    /** Bytes of all initializers. */
    long weightBytes() {
        long n = 0;
        for (Initializer i : initializers) {
            n += i.data.capacity();
        }
        return n;
    }

    /**
     * Writes the model to {@code file} (atomically), and its weights to {@code file.data} when they
     * exceed {@code externalThreshold} bytes.
     *
     * @param metadata {@code metadata_props} entries (provenance)
     */
    void write(Path file, long externalThreshold, String producerVersion, Map<String, String> metadata)
            throws IOException {
        boolean external = weightBytes() > externalThreshold;
        String dataName = file.getFileName() + ".data";
        Path dataFile = file.resolveSibling(dataName);
        ProtoWriter.Message graph = new ProtoWriter.Message();
        for (ProtoWriter.Message n : nodes) {
            graph.message(1, n);
        }
        graph.string(2, graphName);
        List<Initializer> outside = new ArrayList<>();
        long offset = 0;
        for (Initializer i : initializers) {
            ProtoWriter.Message t = new ProtoWriter.Message().packedVarints(1, i.dims).varint(2, i.type).string(8, i.name);
            long len = i.data.capacity();
            if (external && len >= EXTERNAL_MIN_BYTES) {
                t.message(13, entry("location", dataName)).message(13, entry("offset", Long.toString(offset)))
                        .message(13, entry("length", Long.toString(len))).varint(14, 1);
                outside.add(i);
                offset += len;
            } else {
                ByteBuffer data = i.data;
                t.payload(9, len, out -> out.write(data.array(), 0, data.capacity()));
            }
            graph.message(5, t);
        }
        for (ValueInfo v : inputs) {
            graph.message(11, valueInfo(v));
        }
        for (ValueInfo v : outputs) {
            graph.message(12, valueInfo(v));
        }
        ProtoWriter.Message model = new ProtoWriter.Message().varint(1, IR_VERSION).string(2, "distill")
                .string(3, producerVersion).message(7, graph)
                .message(8, new ProtoWriter.Message().string(1, "").varint(2, opset));
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            model.message(14, entry(e.getKey(), e.getValue()));
        }
        if (model.size() > PROTOBUF_LIMIT + (64L << 20)) {
            throw new IOException("ONNX model " + file + " would be " + model.size() + " bytes, over protobuf's 2 GiB"
                    + " limit; lower the external-data threshold so the weights go to " + dataName);
        }
        if (external) {
            AtomicFiles.write(dataFile, ch -> {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
                for (Initializer i : outside) {
                    out.write(i.data.array(), 0, i.data.capacity());
                }
                out.flush();
            });
        } else {
            Files.deleteIfExists(dataFile);
        }
        AtomicFiles.write(file, ch -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
            model.writeTo(out);
            out.flush();
        });
    }

    private static ProtoWriter.Message entry(String key, String value) {
        return new ProtoWriter.Message().string(1, key).string(2, value);
    }

    private static ProtoWriter.Message valueInfo(ValueInfo v) {
        ProtoWriter.Message shape = new ProtoWriter.Message();
        for (Object d : v.dims) {
            ProtoWriter.Message dim = new ProtoWriter.Message();
            if (d instanceof String) {
                dim.string(2, (String) d);
            } else {
                dim.varint(1, ((Number) d).longValue());
            }
            shape.message(1, dim);
        }
        ProtoWriter.Message tensor = new ProtoWriter.Message().varint(1, v.type).message(2, shape);
        return new ProtoWriter.Message().string(1, v.name).message(2, new ProtoWriter.Message().message(1, tensor));
    }
}
