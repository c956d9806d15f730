package dev.distill.models.io.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX graph node ({@code NodeProto}). Input names may be empty strings, which ONNX uses for an
 * omitted optional input.
 *
 * @param name the node's name; PyTorch 2 exporters write the module scope here, e.g.
 *     {@code /encoder/layer.0/attention/self/query/MatMul}
 * @param opType the operator, e.g. {@code MatMul}
 * @param domain the operator set domain, empty for the default {@code ai.onnx}
 * @param inputs names of the values read, in operator order
 * @param outputs names of the values written
 * @param attributes by name, in file order
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
        Map<String, OnnxAttribute> attributes) {

    /**
     * Copies the lists and the attribute map.
     *
     * @param name the node's name
     * @param opType the operator
     * @param domain the operator set domain
     * @param inputs names of the values read
     * @param outputs names of the values written
     * @param attributes by name
     */
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    static OnnxNode parse(ProtoReader r) throws OnnxFormatException {
        String name = "";
        String opType = "";
        String domain = "";
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, OnnxAttribute> attributes = new LinkedHashMap<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (ProtoReader.field(tag)) {
                case 1:
                    r.expect(tag, ProtoReader.LEN, "NodeProto.input");
                    inputs.add(r.readString());
                    break;
                case 2:
                    r.expect(tag, ProtoReader.LEN, "NodeProto.output");
                    outputs.add(r.readString());
                    break;
                case 3:
                    r.expect(tag, ProtoReader.LEN, "NodeProto.name");
                    name = r.readString();
                    break;
                case 4:
                    r.expect(tag, ProtoReader.LEN, "NodeProto.op_type");
                    opType = r.readString();
                    break;
                case 5: {
                    r.expect(tag, ProtoReader.LEN, "NodeProto.attribute");
                    OnnxAttribute a = OnnxAttribute.parse(r.readMessage());
                    attributes.put(a.name(), a);
                    break;
                }
                case 7:
                    r.expect(tag, ProtoReader.LEN, "NodeProto.domain");
                    domain = r.readString();
                    break;
                default:
                    r.skip(ProtoReader.wireType(tag));
            }
        }
        return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
    }

    /**
     * The attribute with this name, or null.
     *
     * @param attributeName e.g. {@code axis}
     * @return the attribute
     */
    public OnnxAttribute attribute(String attributeName) {
        return attributes.get(attributeName);
    }

    /**
     * Input {@code i}, or the empty string when the node has fewer inputs.
     *
     * @param i the input's position
     * @return the value's name
     */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    @Override
    public String toString() {
        return opType + " '" + name + "' " + inputs + " -> " + outputs;
    }
}
