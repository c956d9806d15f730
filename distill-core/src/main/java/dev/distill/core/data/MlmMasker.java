package dev.distill.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Dynamic masked-language-model masking as BERT's pre-training does it (Devlin et al. 2019,
 * {@code create_pretraining_data.py}): of the n non-special tokens of an example,
 * {@code max(1, round(p·n))} are chosen (p = 0.15); each chosen token is replaced by
 * {@code [MASK]} with probability 0.8, by a uniformly random vocabulary id with probability 0.1,
 * and kept with probability 0.1; the label is the original id at chosen positions and
 * {@link TokenBatch#IGNORE_INDEX} elsewhere.
 *
 * <p>Whole-word masking chooses words instead of tokens (all pieces of a word together, by
 * {@link TokenizedExample#wordIds()}); a word that would overshoot the count is passed over, as in
 * BERT's script. "Dynamic": the choice is redrawn every epoch, yet reproducible, since the random
 * stream depends only on (seed, epoch, example key) — see {@link Seeds}.
 */
public final class MlmMasker {

    /**
     * One masked example.
     *
     * @param inputIds the ids the model sees
     * @param labels the original id at predicted positions, {@link TokenBatch#IGNORE_INDEX} elsewhere
     */
    public record Masked(long[] inputIds, long[] labels) {
        /** {@return the positions with a label, ascending, in a new array} */
        public int[] predictedPositions() {
            return java.util.stream.IntStream.range(0, labels.length)
                    .filter(i -> labels[i] != TokenBatch.IGNORE_INDEX).toArray();
        }
    }

    private final long maskId;
    private final int vocabSize;
    private final double probability;
    private final double maskFraction;
    private final double randomFraction;
    private final boolean wholeWord;
    private final long seed;

    private MlmMasker(Builder b) {
        maskId = b.maskId;
        vocabSize = b.vocabSize;
        probability = b.probability;
        maskFraction = b.maskFraction;
        randomFraction = b.randomFraction;
        wholeWord = b.wholeWord;
        seed = b.seed;
    }

    /**
     * A builder with BERT's defaults: p = 0.15, 80% [MASK], 10% random id, token-level, seed 42.
     *
     * @param maskId the tokenizer's {@code [MASK]} id (103 in BERT's uncased vocabulary), in [0, V)
     * @param vocabSize V, the range random replacement ids are drawn from
     * @return the builder
     */
    public static Builder builder(long maskId, int vocabSize) {
        return new Builder(maskId, vocabSize);
    }

    /** {@return the seed the masking draws from, with the epoch and the example's key} */
    public long seed() {
        return seed;
    }

    /**
     * Masks one example.
     *
     * @param ex the tokenized example; whole-word masking needs its word ids
     * @param key a stable identity of the example (its index in the data set)
     * @param epoch the epoch; another epoch draws another masking
     * @return new arrays: the masked ids and the labels
     * @throws IllegalArgumentException if whole-word masking is on and the example has no word ids
     */
    public Masked mask(TokenizedExample ex, long key, long epoch) {
        long[] ids = ex.ids();
        boolean[] special = ex.special();
        if (wholeWord && ex.wordIds() == null) {
            throw new IllegalArgumentException("whole-word masking needs word ids; tokenize with word ids or turn"
                    + " wholeWord off");
        }
        // Units: a token, or all tokens of a word; in order of first appearance.
        Map<Integer, List<Integer>> byWord = new LinkedHashMap<>();
        int candidates = 0;
        for (int i = 0; i < ids.length; i++) {
            if (special[i]) {
                continue;
            }
            candidates++;
            int unit = wholeWord && ex.wordIds()[i] >= 0 ? ex.wordIds()[i] : -1 - i;
            byWord.computeIfAbsent(unit, u -> new ArrayList<>()).add(i);
        }
        long[] input = ids.clone();
        long[] labels = new long[ids.length];
        Arrays.fill(labels, TokenBatch.IGNORE_INDEX);
        if (candidates == 0) {
            return new Masked(input, labels);
        }
        SplittableRandom r = Seeds.random(seed, epoch, key);
        List<List<Integer>> units = new ArrayList<>(byWord.values());
        for (int i = units.size() - 1; i > 0; i--) { // Fisher–Yates
            int j = r.nextInt(i + 1);
            List<Integer> t = units.get(i);
            units.set(i, units.get(j));
            units.set(j, t);
        }
        int target = Math.max(1, (int) Math.round(candidates * probability));
        int covered = 0;
        for (List<Integer> unit : units) {
            if (covered >= target) {
                break;
            }
            if (covered + unit.size() > target) {
                continue;
            }
            for (int pos : unit) {
                labels[pos] = ids[pos];
                double u = r.nextDouble();
                if (u < maskFraction) {
                    input[pos] = maskId;
                } else if (u < maskFraction + randomFraction) {
                    input[pos] = r.nextInt(vocabSize);
                }
            }
            covered += unit.size();
        }
        return new Masked(input, labels);
    }

    /** Builds an {@link MlmMasker}; {@link #build()} validates. */
    public static final class Builder {
        private final long maskId;
        private final int vocabSize;
        private double probability = 0.15;
        private double maskFraction = 0.8;
        private double randomFraction = 0.1;
        private boolean wholeWord;
        private long seed = 42;

        private Builder(long maskId, int vocabSize) {
            this.maskId = maskId;
            this.vocabSize = vocabSize;
        }

        /**
         * Fraction of non-special tokens to predict (default 0.15).
         *
         * @param p in (0, 1]
         * @return this builder
         */
        public Builder optProbability(double p) {
            this.probability = p;
            return this;
        }

        /**
         * Of the chosen tokens, the fractions replaced by [MASK] and by a random id (default 0.8, 0.1).
         *
         * @param mask the [MASK] fraction, &ge; 0
         * @param random the random-id fraction, &ge; 0; the two sum to at most 1, the rest keeps the token
         * @return this builder
         */
        public Builder optReplacement(double mask, double random) {
            this.maskFraction = mask;
            this.randomFraction = random;
            return this;
        }

        /**
         * Choose whole words (all their pieces) instead of single tokens.
         *
         * @param wholeWord true for whole-word masking (default false)
         * @return this builder
         */
        public Builder optWholeWord(boolean wholeWord) {
            this.wholeWord = wholeWord;
            return this;
        }

        /**
         * Sets the seed (default 42).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the masker.
         *
         * @return the masker
         * @throws IllegalArgumentException if V &lt; 1, the mask id is outside [0, V), p is outside (0, 1] or
         *         the replacement fractions are negative or sum to more than 1
         */
        public MlmMasker build() {
            if (vocabSize < 1) {
                throw new IllegalArgumentException("vocabSize (" + vocabSize + ") must be positive");
            }
            if (maskId < 0 || maskId >= vocabSize) {
                throw new IllegalArgumentException("maskId (" + maskId + ") must lie in [0, vocabSize = " + vocabSize
                        + ")");
            }
            if (!(probability > 0 && probability <= 1)) {
                throw new IllegalArgumentException("masking probability (" + probability + ") must lie in (0, 1]");
            }
            if (!(maskFraction >= 0 && randomFraction >= 0 && maskFraction + randomFraction <= 1)) {
                throw new IllegalArgumentException("replacement fractions mask " + maskFraction + " and random "
                        + randomFraction + " must be ≥ 0 and sum to at most 1 (the rest keeps the token)");
            }
            return new MlmMasker(this);
        }
    }
}
