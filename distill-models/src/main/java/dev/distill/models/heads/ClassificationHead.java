package dev.distill.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Params;
import java.util.List;

/**
 * Sequence classification or regression ({@code BertForSequenceClassification}): BERT's pooler
 * (dense H→H and tanh on the [CLS] vector), dropout, then a linear layer to C outputs.
 * Output (B, C); regression is C = 1 with a mean-squared-error loss.
 */
public final class ClassificationHead extends Head {

    private final EncoderConfig config;
    private final int numLabels;
    private final boolean regression;
    private final List<String> labels;
    private final Parameter poolerWeight;
    private final Parameter poolerBias;
    private final Parameter classifierWeight;
    private final Parameter classifierBias;

    /**
     * @param config the encoder's configuration (the hidden width H and the dropout rate)
     * @param labels class names in id order (their count is the number of classes), or a
     *     single name for regression
     * @param regression whether this is a regression head (then exactly one output)
     * @throws IllegalArgumentException if there is no label, a regression head has more than one,
     *     or a classification head fewer than two
     */
    public ClassificationHead(EncoderConfig config, List<String> labels, boolean regression) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a classification head needs at least one label name");
        }
        if (regression && labels.size() != 1) {
            throw new IllegalArgumentException("a regression head has exactly one output, got "
                    + labels.size() + " label names " + labels);
        }
        if (!regression && labels.size() < 2) {
            throw new IllegalArgumentException("a classification head needs at least 2 classes, got "
                    + labels + "; use regression for a single output");
        }
        this.config = config;
        this.labels = List.copyOf(labels);
        this.numLabels = labels.size();
        this.regression = regression;
        int h = config.hiddenSize();
        poolerWeight = Params.create("pooler.dense.weight", Params.Init.NORMAL, h, h);
        poolerBias = Params.create("pooler.dense.bias", Params.Init.ZEROS, h);
        classifierWeight = Params.create("classifier.weight", Params.Init.NORMAL, numLabels, h);
        classifierBias = Params.create("classifier.bias", Params.Init.ZEROS, numLabels);
    }

    /**
     * A regression head (one output).
     *
     * @param config the encoder's configuration
     * @return a head with one output named {@code score}
     */
    public static ClassificationHead regression(EncoderConfig config) {
        return new ClassificationHead(config, List.of("score"), true);
    }

    @Override
    public String architecture() {
        return "BertForSequenceClassification";
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(poolerWeight, poolerBias, classifierWeight, classifierBias);
    }

    @Override
    public int numOutputs() {
        return numLabels;
    }

    @Override
    public ClassificationHead emptyCopy() {
        return new ClassificationHead(config, labels, regression);
    }

    /** {@return true for a regression head (one output, mean-squared-error loss)} */
    public boolean isRegression() {
        return regression;
    }

    /**
     * Class names in id order.
     *
     * @return an immutable list, one name per output
     */
    public List<String> labels() {
        return labels;
    }

    @Override
    public NDArray forward(Input in, boolean training) {
        NDArray cls = in.lastHidden().get(new NDIndex(":, 0, :"));
        NDArray pooled = Linear.linear(cls, poolerWeight.getArray(), poolerBias.getArray())
                .singletonOrThrow().tanh();
        if (training && config.hiddenDropout() > 0) {
            pooled = Dropout.dropout(pooled, config.hiddenDropout(), true).singletonOrThrow();
        }
        return Linear.linear(pooled, classifierWeight.getArray(), classifierBias.getArray()).singletonOrThrow();
    }
}
