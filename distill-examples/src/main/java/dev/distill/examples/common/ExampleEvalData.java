package dev.distill.examples.common;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.Collator;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.eval.EvalData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A fixed evaluation set of tokenised, labelled examples, cut into batches of examples of similar
 * length (sorted by length, so padding stays small) and padded by {@link Collator}. The order of
 * the examples within the set does not change any metric that sums over examples.
 */
public final class ExampleEvalData implements EvalData {

    private final List<List<TokenizedExample>> batches = new ArrayList<>();
    private final Collator collator;
    private final LabelKind labels;
    private final int size;

    /**
     * @param examples the evaluation examples (with labels of kind {@code labels})
     * @param batchSize examples per batch
     * @param padId the tokenizer's [PAD] id
     */
    public ExampleEvalData(List<TokenizedExample> examples, int batchSize, LabelKind labels, long padId) {
        Objects.requireNonNull(examples, "examples");
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("the evaluation set is empty; give at least one example");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluation batch size (" + batchSize + ") must be >= 1");
        }
        this.labels = Objects.requireNonNull(labels, "labels");
        this.collator = new Collator(padId);
        this.size = examples.size();
        List<TokenizedExample> sorted = new ArrayList<>(examples);
        sorted.sort(Comparator.comparingInt(TokenizedExample::length));
        for (int i = 0; i < sorted.size(); i += batchSize) {
            batches.add(List.copyOf(sorted.subList(i, Math.min(sorted.size(), i + batchSize))));
        }
    }

    /** Number of examples. */
    public int size() {
        return size;
    }

    @Override
    public int numBatches() {
        return batches.size();
    }

    @Override
    public TokenBatch batch(int index, NDManager manager) {
        return collator.collate(batches.get(index), labels, manager);
    }
}
