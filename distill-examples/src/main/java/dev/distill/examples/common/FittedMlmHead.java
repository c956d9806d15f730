package dev.distill.examples.common;

import ai.djl.ndarray.NDManager;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.data.MlmMasker;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.heads.MlmHeadFitter;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The masked-LM head the examples fit on a frozen teacher that has none, with the settings and
 * data {@code ./distill mlm} uses, so the commands agree: the {@link UnlabelledCorpus} shuffled
 * with the seed, the first {@code heldOutTexts} texts held out, the next {@code texts} masked
 * (BERT's 15%, 80/10/10, masking seed = seed + 2) and cut to {@code maxLength} tokens, 256
 * masked positions per AdamW step at peak learning rate 3e-3, weight decay 0.01.
 *
 * @param texts texts the head is fitted on
 * @param steps optimiser steps
 * @param rows masked positions per step
 * @param learningRate peak learning rate
 * @param maxLength texts cut to this many tokens
 * @param seed corpus shuffle, masking and row sampling
 */
public record FittedMlmHead(int texts, int steps, int rows, float learningRate, int maxLength, long seed) {

    /** {@code ./distill mlm}'s defaults: 6,000 texts, 300 steps of 256 positions, lr 3e-3, 48 tokens. */
    public static FittedMlmHead defaults(long seed) {
        return new FittedMlmHead(6000, 300, 256, 3e-3f, 48, seed);
    }

    public FittedMlmHead {
        if (texts < 1 || steps < 1 || rows < 1 || !(learningRate > 0) || maxLength < 4) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "MLM head fitting needs texts (%d), steps"
                    + " (%d) and rows (%d) of at least 1, a positive learning rate (%s) and a max length of at least 4"
                    + " (%d)", texts, steps, rows, learningRate, maxLength));
        }
    }

    public MlmHeadFitter.Settings settings() {
        return new MlmHeadFitter.Settings(steps, rows, learningRate, 0.01f, seed);
    }

    /** The fit texts' masked set: {@code corpus[heldOutTexts, heldOutTexts + texts)}. */
    public MaskedSet fitSet(List<String> corpus, int heldOutTexts, TextTokenizer tokenizer, int vocab, long padId) {
        if (heldOutTexts + texts > corpus.size()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%,d held-out + %,d head-fit texts exceed"
                    + " the corpus's %,d texts; ask for fewer", heldOutTexts, texts, corpus.size()));
        }
        try (TextTokenizer tok = tokenizer.withMaxLength(maxLength)) {
            return MaskedSet.fromTexts(corpus.subList(heldOutTexts, heldOutTexts + texts),
                    TextPipeline.unlabelled(tok), MlmMasker.builder(tokenizer.tokenId("[MASK]"), vocab)
                            .optSeed(seed + 2).build(), padId, 64);
        }
    }

    /**
     * The head fitted earlier into {@code dir} with these inputs, or a new one fitted and saved
     * there.
     *
     * @param encoder the frozen teacher
     * @param teacherFingerprint its fingerprint ({@code EncoderTeacher.fingerprint()})
     */
    public MlmHeadFitter.Obtained obtain(Encoder encoder, String teacherFingerprint, MaskedSet fitSet, Path dir,
            NDManager manager, Consumer<String> log) throws IOException {
        Map<String, String> provenance = MlmHeadFitter.provenance(teacherFingerprint,
                CacheFingerprint.dataHash(fitSet.cacheExamples()), settings());
        return MlmHeadFitter.fitOrLoad(encoder, provenance, fitSet, settings(), dir, manager, 25, log);
    }
}
