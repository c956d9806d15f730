package dev.distill.examples.block;

import ai.djl.Device;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.train.EncoderTeacher;

/**
 * A frozen stack of Transformer layers as a block H → H: {@link Encoder#forwardHidden} on the
 * hidden states a {@link BlockBatch} carries, embeddings bypassed. Freezing and the weight
 * fingerprint are {@link EncoderTeacher}'s.
 */
public final class BlockTeacher implements FrozenTeacher {

    private final EncoderTeacher frozen;

    /** Freezes {@code layers} (e.g. the first two layers of bge-small) and wraps it. */
    public BlockTeacher(Encoder layers) {
        this.frozen = new EncoderTeacher(layers);
    }

    public Encoder encoder() {
        return frozen.encoder();
    }

    /**
     * @return hidden states [x, layer 1, …, layer L] of the block input x, attention scores per
     *     layer; no pooled embedding is meaningful here (it is computed, and unused)
     */
    @Override
    public ModelOutputs forward(TokenBatch batch) {
        return frozen.encoder().forwardHidden(BlockBatch.hidden(batch), batch.attentionMask(), false);
    }

    @Override
    public ModelDims dims() {
        return frozen.dims();
    }

    @Override
    public String fingerprint() {
        return frozen.fingerprint();
    }

    @Override
    public Device device() {
        return frozen.device();
    }
}
