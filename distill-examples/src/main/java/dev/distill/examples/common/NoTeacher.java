package dev.distill.examples.common;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import java.util.List;
import java.util.Objects;

/**
 * The absent teacher: lets {@link dev.distill.core.train.DistillationTrainer} run plain supervised
 * training (fine-tuning a teacher, or the no-teacher baseline a distilled student is compared
 * with) with a loss that reads only the student and the labels, such as {@code HardLabelLoss}.
 *
 * <p>{@link #forward} computes nothing: it returns outputs with no layers, no logits and no
 * pooled vector, only a (B, T, 1) placeholder for the embedding output (the record requires
 * layers + 1 hidden states) and the batch's mask. A loss that reads the teacher's logits fails
 * with its own "no logits" error, so a mistaken use is loud, not silent.
 */
public final class NoTeacher implements FrozenTeacher {

    private final ModelDims dims;
    private final Device device;

    /**
     * @param dims reported as the teacher's sizes (losses that create projections read them);
     *     pass the student's own
     * @param device where batches are sent (the student's device, so nothing is copied)
     */
    public NoTeacher(ModelDims dims, Device device) {
        this.dims = Objects.requireNonNull(dims, "dims");
        this.device = Objects.requireNonNull(device, "device");
    }

    @Override
    public ModelOutputs forward(TokenBatch batch) {
        NDArray mask = batch.attentionMask();
        NDArray placeholder = mask.toType(DataType.FLOAT32, false).expandDims(2); // (B, T, 1)
        return new ModelOutputs(List.of(placeholder), List.of(), null, null, null, null, null, null, mask);
    }

    @Override
    public ModelDims dims() {
        return dims;
    }

    /** A constant: there are no weights whose change would invalidate a resumed run. */
    @Override
    public String fingerprint() {
        return "no-teacher";
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public String toString() {
        return "NoTeacher{" + device + "}";
    }
}
