package dev.distill.models.cache;

import dev.distill.core.cache.CacheExample;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.Objects;

/**
 * Turns a text and its index in the corpus into the {@link CacheExample} a masked-LM teacher cache
 * stores: tokenised (unlabelled, truncated to the tokenizer's maximum length), masked once with
 * BERT's 15% / 80-10-10 from the seed with the example's index as key and epoch 0 (as {@code
 * MaskedSet} does), the masked positions kept. The result depends only on (text, index, seed,
 * tokenizer), never on which process or partition computes it: the single-process {@code ./distill
 * cache} and the Spark build both use it, so their caches are equal record by record.
 */
public final class MaskedCacheInputs {

    private final TextPipeline pipeline;
    private final MlmMasker masker;

    /**
     * @param tokenizer the teacher's tokenizer (its maximum length truncates)
     * @param vocabSize the teacher's vocabulary size (random replacements are drawn below it)
     * @param seed the masking seed
     */
    public MaskedCacheInputs(TextTokenizer tokenizer, int vocabSize, long seed) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        this.pipeline = TextPipeline.unlabelled(tokenizer);
        this.masker = MlmMasker.builder(tokenizer.tokenId("[MASK]"), vocabSize).optSeed(seed).build();
    }

    /** The masked example of {@code text}, the {@code index}-th text of the corpus (0-based). */
    public CacheExample example(String text, long index) {
        TokenizedExample e = pipeline.tokenize(TextExample.of(text));
        MlmMasker.Masked mk = masker.mask(e, index, 0);
        return new CacheExample(mk.inputIds(), e.typeIds(), mk.predictedPositions());
    }
}
