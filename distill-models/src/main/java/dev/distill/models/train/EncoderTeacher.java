package dev.distill.models.train;

import ai.djl.Device;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.models.encoder.Encoder;
import java.util.Objects;

/**
 * An {@link Encoder} as a {@link FrozenTeacher}: construction turns gradient tracking off for
 * every parameter, and {@link #forward} runs in inference mode (no dropout). With no parameter
 * requiring a gradient and the trainer calling it outside its {@code GradientCollector},
 * PyTorch records no graph for the teacher; its outputs are plain, detached arrays.
 *
 * <p>The fingerprint (SHA-256 over the configuration, pooling, head and every weight's bytes) is
 * computed once here; it reads every weight to the heap, which for a 110M-parameter teacher
 * takes about a second. Do not train the wrapped encoder afterwards: the fingerprint would no
 * longer describe it.
 */
public final class EncoderTeacher implements FrozenTeacher {

    private final Encoder encoder;
    private final Device device;
    private final String fingerprint;

    /** Freezes {@code encoder} and wraps it. */
    public EncoderTeacher(Encoder encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        encoder.setTrainable(false);
        this.device = encoder.wordEmbeddings().getArray().getDevice();
        this.fingerprint = Fingerprints.weights(encoder);
    }

    /** The wrapped encoder (frozen). */
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
    public String toString() {
        return "EncoderTeacher{" + encoder + ", device=" + device + "}";
    }
}
