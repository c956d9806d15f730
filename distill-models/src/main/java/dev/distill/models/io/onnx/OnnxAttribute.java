package dev.distill.models.io.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One ONNX node attribute ({@code AttributeProto}). Only the value kinds BERT-family graphs use are
 * kept: float, int, string, tensor and their repeated forms. Sub-graphs, sparse tensors and type
 * protos are skipped (their {@link #type()} still says what they were).
 */
public final class OnnxAttribute {

    /** {@code AttributeProto.AttributeType}. */
    public enum Type {
        /** 0: no type given (IR &lt; 2 files; the reader then infers it from the fields set). */
        UNDEFINED,
        /** 1: one float, {@link #f()}. */
        FLOAT,
        /** 2: one int64, {@link #i()}. */
        INT,
        /** 3: one string, {@link #s()}. */
        STRING,
        /** 4: one tensor, {@link #t()}. */
        TENSOR,
        /** 5: a sub-graph (skipped). */
        GRAPH,
        /** 6: floats, {@link #floats()}. */
        FLOATS,
        /** 7: int64s, {@link #ints()}. */
        INTS,
        /** 8: strings, {@link #strings()}. */
        STRINGS,
        /** 9: tensors, {@link #tensors()}. */
        TENSORS,
        /** 10: sub-graphs (skipped). */
        GRAPHS,
        /** 11: a sparse tensor (skipped). */
        SPARSE_TENSOR,
        /** 12: sparse tensors (skipped). */
        SPARSE_TENSORS,
        /** 13: a type proto (skipped). */
        TYPE_PROTO,
        /** 14: type protos (skipped). */
        TYPE_PROTOS;

        static Type of(long code) {
            return code >= 0 && code < values().length ? values()[(int) code] : UNDEFINED;
        }
    }

    private final String name;
    private final Type type;
    private final float f;
    private final long i;
    private final String s;
    private final OnnxTensor t;
    private final float[] floats;
    private final long[] ints;
    private final List<String> strings;
    private final List<OnnxTensor> tensors;

    private OnnxAttribute(String name, Type type, float f, long i, String s, OnnxTensor t, float[] floats,
            long[] ints, List<String> strings, List<OnnxTensor> tensors) {
        this.name = name;
        this.type = type;
        this.f = f;
        this.i = i;
        this.s = s;
        this.t = t;
        this.floats = floats;
        this.ints = ints;
        this.strings = List.copyOf(strings);
        this.tensors = List.copyOf(tensors);
    }

    static OnnxAttribute parse(ProtoReader r) throws OnnxFormatException {
        String name = "";
        long typeCode = 0;
        float f = 0;
        long i = 0;
        String s = null;
        OnnxTensor t = null;
        ProtoReader.FloatList floats = new ProtoReader.FloatList();
        ProtoReader.LongList ints = new ProtoReader.LongList();
        List<String> strings = new ArrayList<>();
        List<OnnxTensor> tensors = new ArrayList<>();
        boolean seenF = false;
        boolean seenI = false;
        boolean seenG = false;
        while (r.hasMore()) {
            int tag = r.readTag();
            int wire = ProtoReader.wireType(tag);
            switch (ProtoReader.field(tag)) {
                case 1:
                    r.expect(tag, ProtoReader.LEN, "AttributeProto.name");
                    name = r.readString();
                    break;
                case 2:
                    r.expect(tag, ProtoReader.FIXED32, "AttributeProto.f");
                    f = Float.intBitsToFloat(r.readFixed32());
                    seenF = true;
                    break;
                case 3:
                    r.expect(tag, ProtoReader.VARINT, "AttributeProto.i");
                    i = r.readVarint();
                    seenI = true;
                    break;
                case 4:
                    r.expect(tag, ProtoReader.LEN, "AttributeProto.s");
                    s = r.readString();
                    break;
                case 5:
                    r.expect(tag, ProtoReader.LEN, "AttributeProto.t");
                    t = OnnxTensor.parse(r.readMessage());
                    break;
                case 6:
                    seenG = true;
                    r.skip(wire);
                    break;
                case 7:
                    r.readFloats(wire, floats);
                    break;
                case 8:
                    r.readVarints(wire, ints);
                    break;
                case 9:
                    r.expect(tag, ProtoReader.LEN, "AttributeProto.strings");
                    strings.add(r.readString());
                    break;
                case 10:
                    r.expect(tag, ProtoReader.LEN, "AttributeProto.tensors");
                    tensors.add(OnnxTensor.parse(r.readMessage()));
                    break;
                case 20:
                    r.expect(tag, ProtoReader.VARINT, "AttributeProto.type");
                    typeCode = r.readVarint();
                    break;
                default: // graphs, sparse tensors, type protos, doc_string, ref_attr_name
                    r.skip(wire);
            }
        }
        Type type = Type.of(typeCode);
        if (type == Type.UNDEFINED) { // IR < 2 files may omit the type: infer it from the field set
            type = t != null ? Type.TENSOR : s != null ? Type.STRING : seenF ? Type.FLOAT : seenI ? Type.INT
                    : seenG ? Type.GRAPH : floats.size() > 0 ? Type.FLOATS : ints.size() > 0 ? Type.INTS
                    : !strings.isEmpty() ? Type.STRINGS : !tensors.isEmpty() ? Type.TENSORS : Type.UNDEFINED;
        }
        return new OnnxAttribute(name, type, f, i, s, t, floats.toArray(), ints.toArray(), strings, tensors);
    }

    /** {@return the attribute's name, e.g. {@code axis}} */
    public String name() {
        return name;
    }

    /** {@return the kind of value} */
    public Type type() {
        return type;
    }

    /**
     * The value of a FLOAT attribute.
     *
     * @return the value; 0 for other types
     */
    public float f() {
        return f;
    }

    /**
     * The value of an INT attribute.
     *
     * @return the value; 0 for other types
     */
    public long i() {
        return i;
    }

    /** {@return the value of a STRING attribute (UTF-8 decoded), or null} */
    public String s() {
        return s;
    }

    /** {@return the value of a TENSOR attribute (e.g. a Constant node's {@code value}), or null} */
    public OnnxTensor t() {
        return t;
    }

    /** {@return the values of a FLOATS attribute, in a new array (empty for other types)} */
    public float[] floats() {
        return floats.clone();
    }

    /** {@return the values of an INTS attribute, in a new array (empty for other types)} */
    public long[] ints() {
        return ints.clone();
    }

    /** {@return the values of a STRINGS attribute (empty for other types), immutable} */
    public List<String> strings() {
        return strings;
    }

    /** {@return the values of a TENSORS attribute (empty for other types), immutable} */
    public List<OnnxTensor> tensors() {
        return tensors;
    }

    @Override
    public String toString() {
        switch (type) {
            case FLOAT:
                return name + "=" + f;
            case INT:
                return name + "=" + i;
            case STRING:
                return name + "='" + s + "'";
            case TENSOR:
                return name + "=" + t;
            case FLOATS:
                return name + "=" + Arrays.toString(floats);
            case INTS:
                return name + "=" + Arrays.toString(ints);
            default:
                return name + ":" + type;
        }
    }
}
