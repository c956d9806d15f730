package dev.distill.core.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;

/**
 * A teacher that cannot be trained: the type, not a flag, says so (torchdistill's teacher wrapper,
 * TextBrewer's context manager). The trainer calls {@link #forward} before it opens the step's
 * {@code GradientCollector}, so no autograd graph is recorded for the teacher; implementations
 * must in addition hold parameters that do not require gradients, so their outputs are detached
 * whoever calls them.
 *
 * <p>Implementations: {@code dev.distill.models.train.EncoderTeacher} (a DJL encoder run online
 * every batch), and a reader of the teacher-output cache, which replays the same contract from
 * disk.
 */
public interface FrozenTeacher {

    /**
     * The teacher's outputs for one batch, in inference mode (no dropout).
     *
     * @param batch the batch, already on {@link #device()}
     * @return outputs on {@link #device()}, owned by the batch's manager, not requiring gradients
     */
    ModelOutputs forward(TokenBatch batch);

    /** {@return the teacher's sizes (layers, width, heads, vocabulary)} */
    ModelDims dims();

    /**
     * A stable fingerprint of everything that decides the teacher's outputs (configuration and
     * weights). A checkpoint records it; resuming with a teacher whose fingerprint differs is
     * refused.
     *
     * @return the fingerprint, e.g. a SHA-256 in hex
     */
    String fingerprint();

    /** {@return where the teacher's parameters live; the trainer copies each batch there} */
    Device device();

    /**
     * The floating-point type the teacher computes in. {@code FLOAT16} halves the teacher's
     * memory traffic on a GPU ({@link TrainerConfig#fp16()} requires it); the trainer casts
     * float16 outputs to float32 before the loss, so the student always trains in float32.
     *
     * @return {@code FLOAT32} (the default) or {@code FLOAT16}
     */
    default DataType dataType() {
        return DataType.FLOAT32;
    }
}
