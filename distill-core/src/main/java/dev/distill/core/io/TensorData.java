package dev.distill.core.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor held on the Java heap as little-endian bytes, independent of any engine: what
 * safetensors and ONNX files store, before it becomes an {@link NDArray}.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first (empty for a scalar)
 * @param data {@code numElements · dtype.bytes()} little-endian bytes, position 0
 */
public record TensorData(DType dtype, long[] shape, ByteBuffer data) {

    /** Element types, with the names safetensors uses. */
    public enum DType {
        /** IEEE 754 double, 8 bytes. */
        F64(8),
        /** IEEE 754 single, 4 bytes. */
        F32(4),
        /** IEEE 754 half, 2 bytes. */
        F16(2),
        /** bfloat16 (the upper half of a float32), 2 bytes; converted in Java, never given to the engine. */
        BF16(2),
        /** Signed 64-bit integer. */
        I64(8),
        /** Signed 32-bit integer. */
        I32(4),
        /** Signed 16-bit integer. */
        I16(2),
        /** Signed 8-bit integer. */
        I8(1),
        /** Unsigned 8-bit integer. */
        U8(1),
        /** Boolean, one byte (0 or 1). */
        BOOL(1);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** {@return the bytes per element} */
        public int bytes() {
            return bytes;
        }

        /** {@return whether this is a floating-point type (F64, F32, F16, BF16)} */
        public boolean isFloating() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }
    }

    /**
     * Checks the sizes; keeps a copy of {@code shape} and a little-endian slice of {@code data}
     * (the bytes themselves are shared, not copied).
     *
     * @param dtype element type
     * @param shape dimensions, outermost first
     * @param data exactly {@code numElements · dtype.bytes()} remaining bytes
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the byte count does not match the shape
     */
    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = count(shape);
        if (n * dtype.bytes() != data.remaining()) {
            throw new IllegalArgumentException("tensor of dtype " + dtype + " and shape "
                    + Arrays.toString(shape) + " needs " + n * dtype.bytes() + " bytes, got "
                    + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A float32 tensor from values in row-major order.
     *
     * @param shape dimensions, outermost first
     * @param values as many values as the shape holds
     * @return a new F32 tensor with its own bytes
     * @throws IllegalArgumentException if the count does not match the shape
     */
    public static TensorData ofFloats(long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new TensorData(DType.F32, shape, buf);
    }

    /**
     * Copies an array to the heap (float types become F32 unless F64/F16; ints keep their width).
     * An array on a GPU is first copied to the host in a temporary manager: DJL's {@code
     * toByteBuffer} would attach that host copy to the array's own manager, where, for a model's
     * parameters, it would stay until the model is closed (a host copy of every weight per
     * checkpoint).
     *
     * @param array any array on any device
     * @return a new tensor with its own bytes
     */
    public static TensorData fromNDArray(NDArray array) {
        if (!array.getDevice().equals(Device.cpu())) {
            try (NDManager host = array.getManager().newSubManager(Device.cpu())) {
                NDArray copy = array.toDevice(Device.cpu(), false);
                copy.attach(host);
                return fromNDArray(copy);
            }
        }
        DataType t = array.getDataType();
        DType dtype;
        switch (t) {
            case FLOAT32:
                dtype = DType.F32;
                break;
            case FLOAT64:
                dtype = DType.F64;
                break;
            case FLOAT16:
                dtype = DType.F16;
                break;
            case INT64:
                dtype = DType.I64;
                break;
            case INT32:
                dtype = DType.I32;
                break;
            case INT8:
                dtype = DType.I8;
                break;
            case UINT8:
                dtype = DType.U8;
                break;
            case BOOLEAN:
                dtype = DType.BOOL;
                break;
            default:
                throw new IllegalArgumentException("cannot store NDArray of type " + t
                        + "; convert it to float32 first");
        }
        ByteBuffer bytes = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(bytes.order(ByteOrder.nativeOrder()));
        copy.flip();
        return new TensorData(dtype, array.getShape().getShape(), copy);
    }

    /** {@return the number of elements (1 for a scalar)} */
    public long numElements() {
        return count(shape);
    }

    /** {@return the shape as DJL's type} */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /**
     * {@return all elements as float32 in a new array, converting F64, F16 and BF16 in Java
     * (bf16 crashes the JNI)}
     */
    public float[] toFloats() {
        int n = Math.toIntExact(numElements());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32:
                b.asFloatBuffer().get(out);
                break;
            case F64:
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
                break;
            case F16:
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.getShort(i * 2));
                }
                break;
            case BF16:
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                }
                break;
            default:
                throw new IllegalStateException("tensor of dtype " + dtype + " is not floating point");
        }
        return out;
    }

    /**
     * The index of the first NaN or infinite element, or -1 when every element is finite (and for
     * integer types). Reads the stored bits (an all-ones exponent), so nothing is converted.
     */
    public long firstNonFinite() {
        long n = numElements();
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32:
                for (int i = 0; i < n; i++) {
                    if ((b.getInt(i * 4) & 0x7f800000) == 0x7f800000) {
                        return i;
                    }
                }
                return -1;
            case F64:
                for (int i = 0; i < n; i++) {
                    if ((b.getLong(i * 8) & 0x7ff0000000000000L) == 0x7ff0000000000000L) {
                        return i;
                    }
                }
                return -1;
            case F16:
            case BF16:
                int mask = dtype == DType.F16 ? 0x7c00 : 0x7f80;
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i * 2) & mask) == mask) {
                        return i;
                    }
                }
                return -1;
            default:
                return -1;
        }
    }

    /** Element {@code i} of a floating-point tensor as float32 (converted as {@link #toFloats} does). */
    public float floatAt(long i) {
        int k = Math.toIntExact(i);
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32:
                return b.getFloat(k * 4);
            case F64:
                return (float) b.getDouble(k * 8);
            case F16:
                return halfToFloat(b.getShort(k * 2));
            case BF16:
                return Float.intBitsToFloat((b.getShort(k * 2) & 0xffff) << 16);
            default:
                throw new IllegalStateException("tensor of dtype " + dtype + " is not floating point");
        }
    }

    /**
     * Creates an NDArray: floating types become float32 (bf16 and fp16 converted here), integer
     * types keep their type. The array owns its native storage: on CPU, DJL's {@code create}
     * only borrows the memory of a Java buffer, and any alias of such an array (PyTorch's
     * {@code to()} of the same device and type, {@code detach}, views) would read freed memory
     * once the borrowing array is closed and collected.
     *
     * @param manager the owner of the new array (and its device)
     * @return a new array with storage of its own
     */
    public NDArray toNDArray(NDManager manager) {
        NDArray borrowed = borrowedNDArray(manager);
        NDArray owned = borrowed.duplicate();
        borrowed.close();
        return owned;
    }

    private NDArray borrowedNDArray(NDManager manager) {
        if (dtype.isFloating()) {
            float[] f = toFloats();
            return manager.create(FloatBuffer.wrap(f), djlShape(), DataType.FLOAT32);
        }
        DataType t;
        switch (dtype) {
            case I64:
                t = DataType.INT64;
                break;
            case I32:
                t = DataType.INT32;
                break;
            case I8:
                t = DataType.INT8;
                break;
            case U8:
                t = DataType.UINT8;
                break;
            case BOOL:
                t = DataType.BOOLEAN;
                break;
            default:
                throw new IllegalStateException("no NDArray type for " + dtype);
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
        direct.put(data.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        direct.flip();
        return manager.create(direct, djlShape(), t);
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) { // inf or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "TensorData{" + dtype + " " + Arrays.toString(shape) + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData && dtype == ((TensorData) o).dtype
                && Arrays.equals(shape, ((TensorData) o).shape) && data.equals(((TensorData) o).data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data.hashCode();
    }
}
