package dev.distill.models.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.models.encoder.Encoder;
import java.util.Locale;
import java.util.Objects;

/**
 * An {@link Encoder} as a {@link FrozenTeacher}: construction turns gradient tracking off for
 * every parameter, and {@link #forward} runs in inference mode (no dropout). With no parameter
 * requiring a gradient and the trainer calling it outside its {@code GradientCollector},
 * PyTorch records no graph for the teacher; its outputs are plain, detached arrays.
 *
 * <p>Precision: the teacher computes in its encoder's type ({@link #dataType()}).
 * {@link #of(Encoder, DataType)} gives a float16 teacher from a float32 encoder (a converted
 * copy; the encoder itself is untouched); the trainer casts its outputs to float32 before the
 * loss. float16 halves the teacher's memory on any device; only a GPU makes it faster.
 *
 * <p>The fingerprint (SHA-256 over the configuration, pooling, head and every weight's type and
 * bytes) is computed once here, so a float16 teacher's fingerprint differs from its float32
 * original's and a checkpoint records the precision it was trained against. It reads every
 * weight to the heap, which for a 110M-parameter teacher takes about a second. Do not train the
 * wrapped encoder afterwards: the fingerprint would no longer describe it.
 */
public final class EncoderTeacher implements FrozenTeacher {

    private final Encoder encoder;
    private final Device device;
    private final String fingerprint;

    /**
     * Freezes {@code encoder} and wraps it; the teacher computes in the encoder's type.
     *
     * @param encoder the teacher, with initialised parameters; its gradient tracking is turned off
     * @throws NullPointerException if {@code encoder} is null
     */
    public EncoderTeacher(Encoder encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        encoder.setTrainable(false);
        this.device = encoder.wordEmbeddings().getArray().getDevice();
        this.fingerprint = Fingerprints.weights(encoder);
    }

    /**
     * A teacher computing in {@code precision}: {@code encoder} itself (frozen) when it already
     * has that type, else a frozen copy made by {@link Encoder#toType}, owned by the manager of
     * {@code encoder}'s weights (so freed with it) and on their device; {@code encoder} is then
     * left as it was, still usable as a float32 model.
     *
     * @param encoder the teacher, with initialised parameters; not null
     * @param precision {@code FLOAT32} or {@code FLOAT16}
     * @return the frozen teacher
     * @throws IllegalArgumentException for any other precision
     */
    public static EncoderTeacher of(Encoder encoder, DataType precision) {
        Objects.requireNonNull(encoder, "encoder");
        return of(encoder, precision, encoder.wordEmbeddings().getArray().getManager());
    }

    /**
     * As {@link #of(Encoder, DataType)}, with a converted copy owned by {@code manager} and put on
     * its device: e.g. a float32 model loaded on the CPU and a float16 teacher on a GPU, which
     * never holds the float32 weights.
     *
     * @param encoder the teacher, with initialised parameters; not null
     * @param precision {@code FLOAT32} or {@code FLOAT16}
     * @param manager the owner (and device) of a converted copy; not null
     * @return the frozen teacher: {@code encoder} itself when type and device already match
     * @throws IllegalArgumentException for any other precision
     */
    public static EncoderTeacher of(Encoder encoder, DataType precision, NDManager manager) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(manager, "manager");
        boolean sameDevice = encoder.wordEmbeddings().getArray().getDevice().equals(manager.getDevice());
        if (encoder.dataType() == precision && sameDevice) {
            return new EncoderTeacher(encoder);
        }
        return new EncoderTeacher(encoder.toType(precision, manager));
    }

    /**
     * Parses a command-line precision: {@code fp32} (or {@code float32}) and {@code fp16} (or
     * {@code float16}, {@code half}), case-insensitive.
     *
     * @param spec the option value; not null
     * @return {@code FLOAT32} or {@code FLOAT16}
     * @throws IllegalArgumentException naming the value and the accepted ones; {@code bf16} is
     *     refused with the reason (DJL 0.35.1's JNI has no bfloat16)
     */
    public static DataType precision(String spec) {
        Objects.requireNonNull(spec, "spec");
        switch (spec.trim().toLowerCase(Locale.ROOT)) {
            case "fp32":
            case "float32":
                return DataType.FLOAT32;
            case "fp16":
            case "float16":
            case "half":
                return DataType.FLOAT16;
            case "bf16":
            case "bfloat16":
                throw new IllegalArgumentException("teacher precision '" + spec + "' is not available: DJL 0.35.1's "
                        + "PyTorch JNI has no bfloat16 type and aborts the JVM on it; use fp16 or fp32");
            default:
                throw new IllegalArgumentException("teacher precision '" + spec + "' is unknown; use fp32 or fp16");
        }
    }

    /**
     * The wrapped encoder (frozen).
     *
     * @return the encoder the teacher runs (a converted copy when {@code of} made one)
     */
    public Encoder encoder() {
        return encoder;
    }

    @Override
    public ModelOutputs forward(TokenBatch batch) {
        return encoder.forward(batch, false);
    }

    @Override
    public ModelDims dims() {
        return encoder.dims();
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public DataType dataType() {
        return encoder.dataType();
    }

    @Override
    public String toString() {
        return "EncoderTeacher{" + encoder + ", device=" + device + ", dataType=" + dataType() + "}";
    }
}
