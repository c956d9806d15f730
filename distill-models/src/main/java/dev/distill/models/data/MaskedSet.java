package dev.distill.models.data;

import ai.djl.ndarray.NDManager;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.data.Collator;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.eval.EvalData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Tokenised texts with one fixed masking each (the masker's, by default BERT's 15%, 80/10/10,
 * drawn from the masker's seed with epoch 0 and the example's index as key): the form a
 * teacher-output cache needs, since the cached soft targets belong to exactly these masked
 * inputs, and what an MLM head is fitted and scored on ({@code MlmHeadFitter}). Also an
 * {@link EvalData} over the examples sorted by length (little padding), for held-out scoring.
 */
public final class MaskedSet implements EvalData {

    private final List<TokenizedExample> examples;
    private final List<MlmMasker.Masked> masked;
    private final Collator collator;
    private final int batchSize;
    private final int[] byLength;

    /**
     * @param examples tokenised texts
     * @param masker the masking (its seed decides the masks)
     * @param padId the tokenizer's [PAD] id
     * @param batchSize rows per evaluation batch
     * @throws IllegalArgumentException if there is no example
     */
    public MaskedSet(List<TokenizedExample> examples, MlmMasker masker, long padId, int batchSize) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a masked set needs at least one example");
        }
        this.examples = List.copyOf(examples);
        List<MlmMasker.Masked> m = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            m.add(masker.mask(examples.get(i), i, 0));
        }
        this.masked = List.copyOf(m);
        this.collator = new Collator(padId);
        this.batchSize = batchSize;
        this.byLength = IntStream.range(0, examples.size()).boxed()
                .sorted(Comparator.comparingInt(i -> examples.get(i).length())).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Tokenises {@code texts} (unlabelled) with {@code pipeline} and masks each once.
     *
     * @param texts the texts, at least one
     * @param pipeline tokenizes them
     * @param masker the masking (its seed decides the masks)
     * @param padId the tokenizer's [PAD] id
     * @param batchSize rows per evaluation batch
     * @return the set
     * @throws IllegalArgumentException if there is no text
     */
    public static MaskedSet fromTexts(List<String> texts, TextPipeline pipeline, MlmMasker masker, long padId,
            int batchSize) {
        List<TokenizedExample> ex = new ArrayList<>(texts.size());
        for (String t : texts) {
            ex.add(pipeline.tokenize(dev.distill.core.data.TextExample.of(t)));
        }
        return new MaskedSet(ex, masker, padId, batchSize);
    }

    /** {@return the number of examples} */
    public int size() {
        return examples.size();
    }

    /** {@return the tokenised examples, unmasked, immutable} */
    public List<TokenizedExample> examples() {
        return examples;
    }

    /** {@return each example's masking (epoch 0), immutable, in example order} */
    public List<MlmMasker.Masked> masked() {
        return masked;
    }

    /** {@return predicted positions over all examples} */
    public long predictedPositions() {
        long n = 0;
        for (MlmMasker.Masked m : masked) {
            n += m.predictedPositions().length;
        }
        return n;
    }

    /**
     * The examples as the cache builder sees them: masked ids, token types, predicted positions.
     *
     * @return a new list, in example order
     */
    public List<CacheExample> cacheExamples() {
        List<CacheExample> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            out.add(new CacheExample(masked.get(i).inputIds(), examples.get(i).typeIds(),
                    masked.get(i).predictedPositions()));
        }
        return out;
    }

    /**
     * A padded batch of the given rows, masked inputs and (B, T) labels.
     *
     * @param rows example indices
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch, B = {@code rows.length}
     */
    public TokenBatch collate(int[] rows, NDManager manager) {
        List<TokenizedExample> ex = new ArrayList<>(rows.length);
        List<MlmMasker.Masked> mk = new ArrayList<>(rows.length);
        for (int r : rows) {
            ex.add(examples.get(r));
            mk.add(masked.get(r));
        }
        return collator.collateMasked(ex, mk, manager);
    }

    @Override
    public int numBatches() {
        return (examples.size() + batchSize - 1) / batchSize;
    }

    @Override
    public TokenBatch batch(int index, NDManager manager) {
        int from = index * batchSize;
        int to = Math.min(examples.size(), from + batchSize);
        return collate(java.util.Arrays.copyOfRange(byLength, from, to), manager);
    }
}
