package dev.distill.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Params;
import java.util.List;

/**
 * Extractive question answering ({@code BertForQuestionAnswering}): one linear layer H→2 on every
 * token. Output (B, T, 2): start logits in {@code [..., 0]}, end logits in {@code [..., 1]}.
 */
public final class SpanQaHead extends Head {

    private final EncoderConfig config;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * A span head for an encoder of this configuration: a linear layer H → 2.
     *
     * @param config the encoder's configuration
     */
    public SpanQaHead(EncoderConfig config) {
        this.config = config;
        weight = Params.create("qa_outputs.weight", Params.Init.NORMAL, 2, config.hiddenSize());
        bias = Params.create("qa_outputs.bias", Params.Init.ZEROS, 2);
    }

    @Override
    public String architecture() {
        return "BertForQuestionAnswering";
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public int numOutputs() {
        return 2;
    }

    @Override
    public SpanQaHead emptyCopy() {
        return new SpanQaHead(config);
    }

    @Override
    public NDArray forward(Input in, boolean training) {
        return Linear.linear(in.lastHidden(), weight.getArray(), bias.getArray()).singletonOrThrow();
    }
}
