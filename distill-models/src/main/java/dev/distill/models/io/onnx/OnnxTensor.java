// Over 400 lines only because of its Javadoc: 333 lines of code once comments and blank lines are left out.
package dev.distill.models.io.onnx;

import dev.distill.core.io.TensorData;
import dev.distill.core.io.TensorData.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX {@code TensorProto}: an initializer, or the value of a {@code Constant} node. The
 * element data stays where it is in the file's byte array until {@link #toTensorData()} asks for
 * it.
 *
 * <p>ONNX stores elements either in {@code raw_data} (little-endian bytes, what exporters write) or
 * in a typed repeated field: {@code float_data} (FLOAT), {@code int32_data} (INT32, INT16, INT8,
 * UINT8, BOOL, and the bit patterns of FLOAT16 and BFLOAT16), {@code int64_data} (INT64),
 * {@code double_data} (DOUBLE). Both are read. Data kept in an external file
 * ({@code data_location = EXTERNAL}) is not supported.
 */
public final class OnnxTensor {

    /** ONNX {@code TensorProto.DataType} code 1: 32-bit float (one of the codes this reader converts). */
    public static final int FLOAT = 1;
    /** Unsigned 8-bit integer. */
    public static final int UINT8 = 2;
    /** Signed 8-bit integer. */
    public static final int INT8 = 3;
    /** Signed 16-bit integer. */
    public static final int INT16 = 5;
    /** Signed 32-bit integer. */
    public static final int INT32 = 6;
    /** Signed 64-bit integer. */
    public static final int INT64 = 7;
    /** Boolean, one byte. */
    public static final int BOOL = 9;
    /** IEEE half precision. */
    public static final int FLOAT16 = 10;
    /** 64-bit float. */
    public static final int DOUBLE = 11;
    /** bfloat16 (converted in Java). */
    public static final int BFLOAT16 = 16;

    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
        "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
        "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
        "UINT4", "INT4"};

    private final String source;
    private final String name;
    private final int dataType;
    private final long[] dims;
    private final byte[] buf;
    private final int rawStart;
    private final int rawLength; // -1: no raw_data
    private final float[] floatData;
    private final long[] int32Data;
    private final long[] int64Data;
    private final long[] doubleBits;
    private final Map<String, String> externalData;
    private final boolean external;
    private final long offset;

    private OnnxTensor(Builder b) {
        source = b.source;
        name = b.name;
        dataType = b.dataType;
        dims = b.dims.toArray();
        buf = b.buf;
        rawStart = b.rawStart;
        rawLength = b.rawLength;
        floatData = b.floatData.toArray();
        int32Data = b.int32Data.toArray();
        int64Data = b.int64Data.toArray();
        doubleBits = b.doubleBits.toArray();
        externalData = Collections.unmodifiableMap(b.externalData);
        external = b.dataLocation == 1 || !b.externalData.isEmpty();
        offset = b.offset;
    }

    /** Parses a TensorProto message. */
    static OnnxTensor parse(ProtoReader r) throws OnnxFormatException {
        Builder b = new Builder(r.source(), r.buffer(), r.position());
        while (r.hasMore()) {
            int tag = r.readTag();
            int wire = ProtoReader.wireType(tag);
            switch (ProtoReader.field(tag)) {
                case 1: // dims
                    r.readVarints(wire, b.dims);
                    break;
                case 2: // data_type
                    r.expect(tag, ProtoReader.VARINT, "TensorProto.data_type");
                    b.dataType = (int) r.readVarint();
                    break;
                case 4: // float_data
                    r.readFloats(wire, b.floatData);
                    break;
                case 5: // int32_data
                    r.readVarints(wire, b.int32Data);
                    break;
                case 7: // int64_data
                    r.readVarints(wire, b.int64Data);
                    break;
                case 8: // name
                    r.expect(tag, ProtoReader.LEN, "TensorProto.name");
                    b.name = r.readString();
                    break;
                case 9: // raw_data
                    r.expect(tag, ProtoReader.LEN, "TensorProto.raw_data");
                    b.rawStart = r.readLengthDelimited();
                    b.rawLength = r.position() - b.rawStart;
                    break;
                case 10: // double_data
                    r.readDoubles(wire, b.doubleBits);
                    break;
                case 13: { // external_data: StringStringEntryProto {1: key, 2: value}
                    r.expect(tag, ProtoReader.LEN, "TensorProto.external_data");
                    ProtoReader e = r.readMessage();
                    String key = "";
                    String value = "";
                    while (e.hasMore()) {
                        int t = e.readTag();
                        if (ProtoReader.field(t) == 1 && ProtoReader.wireType(t) == ProtoReader.LEN) {
                            key = e.readString();
                        } else if (ProtoReader.field(t) == 2 && ProtoReader.wireType(t) == ProtoReader.LEN) {
                            value = e.readString();
                        } else {
                            e.skip(ProtoReader.wireType(t));
                        }
                    }
                    b.externalData.put(key, value);
                    break;
                }
                case 14: // data_location
                    r.expect(tag, ProtoReader.VARINT, "TensorProto.data_location");
                    b.dataLocation = (int) r.readVarint();
                    break;
                default: // segment, string_data, doc_string, uint64_data, metadata_props
                    r.skip(wire);
            }
        }
        OnnxTensor t = new OnnxTensor(b);
        for (long d : t.dims) {
            if (d < 0) {
                throw new OnnxFormatException(t.source, t.offset, "tensor '" + t.name + "' has negative"
                        + " dimension " + d + " in dims " + Arrays.toString(t.dims));
            }
        }
        return t;
    }

    /** {@return the tensor's name (an initializer's name; empty for most Constant values)} */
    public String name() {
        return name;
    }

    /** {@return the ONNX {@code TensorProto.DataType} code, e.g. 1 for FLOAT, 7 for INT64} */
    public int dataType() {
        return dataType;
    }

    /**
     * The ONNX name of the data type, e.g. "FLOAT".
     *
     * @return the name, or {@code data type <code>} for an unknown code
     */
    public String dataTypeName() {
        return typeName(dataType);
    }

    static String typeName(int code) {
        return code >= 0 && code < TYPE_NAMES.length ? TYPE_NAMES[code] : "data type " + code;
    }

    /**
     * Dimensions, outermost first; empty for a scalar.
     *
     * @return a new array
     */
    public long[] dims() {
        return dims.clone();
    }

    /** {@return number of dimensions} */
    public int rank() {
        return dims.length;
    }

    /**
     * Dimension {@code i}.
     *
     * @param i in [0, {@link #rank()})
     * @return the size of that dimension
     */
    public long dim(int i) {
        return dims[i];
    }

    /**
     * Number of elements (1 for a scalar).
     *
     * @return the product of the dimensions
     */
    public long numElements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /**
     * Whether the elements are kept in a separate file next to the model.
     *
     * @return true if {@code data_location} is EXTERNAL
     */
    public boolean isExternal() {
        return external;
    }

    /**
     * The {@code external_data} entries (location, offset, length, checksum), if any.
     *
     * @return the entries, possibly empty
     */
    public Map<String, String> externalData() {
        return externalData;
    }

    /**
     * The tensor as engine-independent bytes. A {@code raw_data} payload is wrapped, not copied:
     * the result shares the model file's byte array (copy it if you keep only a few tensors of a
     * large file). Typed-field data is converted into a new buffer.
     *
     * @return the tensor
     * @throws IOException when the data lives in an external file, the type has no
     *     {@link TensorData} equivalent, or the element count does not match the dims
     */
    public TensorData toTensorData() throws IOException {
        if (external) {
            throw new IOException("tensor '" + name + "' in " + source + " keeps its data in an external"
                    + " file (external_data " + externalData + "); external data is not supported: re-save"
                    + " the model with the data inside, e.g. in Python: m = onnx.load('model.onnx');"
                    + " onnx.save_model(m, 'inline.onnx', save_as_external_data=False)"
                    + " (possible for models under 2 GB)");
        }
        DType dtype = dtypeOf(dataType);
        long n = numElements();
        if (rawLength >= 0) {
            long expected = n * dtype.bytes();
            if (rawLength != expected) {
                throw new OnnxFormatException(source, rawStart, "raw_data of tensor '" + name + "' has "
                        + rawLength + " bytes, but " + dataTypeName() + " dims " + Arrays.toString(dims)
                        + " need " + expected);
            }
            return new TensorData(dtype, dims, ByteBuffer.wrap(buf, rawStart, rawLength));
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n * dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        switch (dataType) {
            case FLOAT:
                checkCount("float_data", floatData.length, n);
                out.asFloatBuffer().put(floatData);
                break;
            case DOUBLE:
                checkCount("double_data", doubleBits.length, n);
                out.asLongBuffer().put(doubleBits);
                break;
            case INT64:
                checkCount("int64_data", int64Data.length, n);
                out.asLongBuffer().put(int64Data);
                break;
            case INT32:
                checkCount("int32_data", int32Data.length, n);
                for (long v : int32Data) {
                    out.putInt((int) v);
                }
                break;
            case INT16:
            case FLOAT16:
            case BFLOAT16:
                checkCount("int32_data", int32Data.length, n);
                for (long v : int32Data) {
                    out.putShort((short) v);
                }
                break;
            case INT8:
            case UINT8:
            case BOOL:
                checkCount("int32_data", int32Data.length, n);
                for (long v : int32Data) {
                    out.put((byte) v);
                }
                break;
            default:
                throw new IllegalStateException("unreachable: " + dataType);
        }
        out.clear(); // every element was written (counts checked); bulk puts through views leave position 0
        return new TensorData(dtype, dims, out);
    }

    /**
     * The elements as longs, for small integer tensors (shape constants): INT64, INT32, INT16, INT8,
     * UINT8, BOOL.
     *
     * @return a new array, row-major
     * @throws IOException if the type is not an integer type, or {@link #toTensorData()} fails
     */
    public long[] toLongs() throws IOException {
        TensorData t = toTensorData();
        int n = Math.toIntExact(t.numElements());
        long[] out = new long[n];
        ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (t.dtype()) {
                case I64:
                    out[i] = b.getLong(i * 8);
                    break;
                case I32:
                    out[i] = b.getInt(i * 4);
                    break;
                case I16:
                    out[i] = b.getShort(i * 2);
                    break;
                case I8:
                    out[i] = b.get(i);
                    break;
                case U8:
                case BOOL:
                    out[i] = b.get(i) & 0xff;
                    break;
                default:
                    throw new IOException("tensor '" + name + "' in " + source + " is " + dataTypeName()
                            + ", expected an integer type");
            }
        }
        return out;
    }

    /**
     * The elements as doubles, for small tensors of any numeric type (scalar constants).
     *
     * @return a new array, row-major
     * @throws IOException if {@link #toTensorData()} fails
     */
    public double[] toDoubles() throws IOException {
        TensorData t = toTensorData();
        if (!t.dtype().isFloating()) {
            long[] l = toLongs();
            double[] d = new double[l.length];
            for (int i = 0; i < l.length; i++) {
                d[i] = l[i];
            }
            return d;
        }
        if (t.dtype() == DType.F64) {
            int n = Math.toIntExact(t.numElements());
            double[] d = new double[n];
            t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(d);
            return d;
        }
        float[] f = t.toFloats();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private void checkCount(String field, int have, long n) throws OnnxFormatException {
        if (have != n) {
            throw new OnnxFormatException(source, offset, "tensor '" + name + "' of dims "
                    + Arrays.toString(dims) + " needs " + n + " elements but its " + field + " holds "
                    + have + (have == 0 ? " (and it has no raw_data)" : ""));
        }
    }

    private DType dtypeOf(int code) throws IOException {
        switch (code) {
            case FLOAT:
                return DType.F32;
            case DOUBLE:
                return DType.F64;
            case FLOAT16:
                return DType.F16;
            case BFLOAT16:
                return DType.BF16;
            case INT64:
                return DType.I64;
            case INT32:
                return DType.I32;
            case INT16:
                return DType.I16;
            case INT8:
                return DType.I8;
            case UINT8:
                return DType.U8;
            case BOOL:
                return DType.BOOL;
            default:
                throw new IOException("tensor '" + name + "' in " + source + " has ONNX data type "
                        + typeName(code) + ", which has no TensorData equivalent; supported: FLOAT,"
                        + " DOUBLE, FLOAT16, BFLOAT16, INT64, INT32, INT16, INT8, UINT8, BOOL");
        }
    }

    @Override
    public String toString() {
        return "OnnxTensor{'" + name + "' " + dataTypeName() + " " + Arrays.toString(dims) + "}";
    }

    private static final class Builder {
        final String source;
        final byte[] buf;
        final long offset;
        String name = "";
        int dataType;
        final ProtoReader.LongList dims = new ProtoReader.LongList();
        int rawStart;
        int rawLength = -1;
        final ProtoReader.FloatList floatData = new ProtoReader.FloatList();
        final ProtoReader.LongList int32Data = new ProtoReader.LongList();
        final ProtoReader.LongList int64Data = new ProtoReader.LongList();
        final ProtoReader.LongList doubleBits = new ProtoReader.LongList();
        final Map<String, String> externalData = new LinkedHashMap<>();
        int dataLocation;

        Builder(String source, byte[] buf, long offset) {
            this.source = source;
            this.buf = buf;
            this.offset = offset;
        }
    }
}
