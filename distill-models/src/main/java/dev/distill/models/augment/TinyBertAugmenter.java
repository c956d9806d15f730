// Over 400 lines only because of its Javadoc: 307 lines of code once comments and blank lines are left out.
package dev.distill.models.augment;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.Scalars;
import dev.distill.core.data.Seeds;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * TinyBERT's data augmentation (Jiao et al. 2020, "TinyBERT", Algorithm 1): each example yields
 * N copies in which every word is, with probability p_t, replaced by one of K candidates drawn
 * uniformly:
 *
 * <ul>
 *   <li>a word that is <b>one word piece</b>: mask it alone ({@code [MASK]} at its position, the
 *       rest of the sentence intact) and take the teacher MLM's K most probable whole-word tokens
 *       there;
 *   <li>a word of <b>several pieces</b>: the paper takes its K nearest GloVe neighbours. GloVe is
 *       not available here, so the stand-in is the teacher's own input word-embedding space: the
 *       mean of the word's piece embeddings, and the K whole-word vocabulary tokens of highest
 *       cosine similarity to it.
 * </ul>
 *
 * <p>Candidates are whole-word vocabulary entries only (letters only, no {@code ##} pieces, no
 * special tokens, never the word itself); a capitalised word gets a capitalised candidate.
 * Words without a letter (numbers, punctuation) are never replaced. All masked sentences of a
 * call go through the teacher in padded batches, not one at a time. The copies depend only on
 * (seed, example index, copy), so they are reproducible. Defaults follow the paper: K = 15,
 * p_t = 0.4, N = 20.
 *
 * <p>The {@link MlmTeacher}'s head should be a <b>trained</b> MLM head. The paper asks BERT-base's
 * own; the encoders available here ship without one, so {@code MlmHeadFitter} fits one on the
 * frozen encoder (as {@code ./distill classify --augment N} does by default). The identity head
 * ({@link MlmTeacher#identityHead}) remains an explicit fallback only: on held-out WordNet text it
 * ranks the masked word in its top 15 for 0.2% of masked tokens against 31% for a head fitted in
 * 40 steps ({@code FittedHeadRealTextTest}), and its candidates hardly depend on the context.
 */
public final class TinyBertAugmenter {

    /**
     * One word of a text and what may replace it.
     *
     * @param text the word as written
     * @param start first character in the text
     * @param end one past the last character
     * @param pieces how many word pieces it has (1: MLM candidates; more: embedding neighbours)
     * @param candidateIds vocabulary ids of the candidates, best first (empty if never replaced)
     * @param candidates the candidate words, cased like the original
     */
    public record Word(String text, int start, int end, int pieces, long[] candidateIds, List<String> candidates) {}

    private final MlmTeacher teacher;
    private final TextTokenizer tokenizer;
    private final NDManager manager;
    private final int k;
    private final double replaceProbability;
    private final int copies;
    private final int batchSize;
    private final long seed;
    private final String[] vocab;
    private final float[] penalty; // 0 for allowed candidate ids, -1e9 otherwise
    private final long maskId;
    private NDArray unitEmbeddings; // (V, H) word embeddings scaled to unit length, made on first use

    private TinyBertAugmenter(Builder b) {
        teacher = b.teacher;
        tokenizer = b.tokenizer;
        manager = b.manager;
        k = b.k;
        replaceProbability = b.replaceProbability;
        copies = b.copies;
        batchSize = b.batchSize;
        seed = b.seed;
        vocab = tokenizer.vocabulary();
        int v = teacher.encoder().config().vocabSize();
        if (vocab.length > v) {
            throw new IllegalArgumentException("the tokenizer has " + vocab.length + " tokens but the teacher's"
                    + " vocabulary has " + v + "; they must belong together");
        }
        penalty = new float[v];
        for (int i = 0; i < v; i++) {
            penalty[i] = i < vocab.length && isWholeWord(vocab[i]) ? 0f : -1e9f;
        }
        maskId = tokenizer.tokenId("[MASK]");
    }

    /**
     * A builder with TinyBERT's defaults: K = 15 candidates, p_t = 0.4, N = 20 copies, batches of
     * 64, seed 42.
     *
     * @param teacher the teacher's encoder and MLM head
     * @param tokenizer the teacher's tokenizer; it must know {@code [MASK]}
     * @param manager the teacher's device; each batch runs in a sub-manager
     * @return the builder
     */
    public static Builder builder(MlmTeacher teacher, TextTokenizer tokenizer, NDManager manager) {
        return new Builder(teacher, tokenizer, manager);
    }

    /** Whether a vocabulary entry can stand in for a word: letters only, no ## prefix, not special. */
    static boolean isWholeWord(String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            if (!Character.isLetter(token.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The words of each text with their candidates, computed in batches through the teacher.
     *
     * @param texts the texts
     * @return for each text, its words in order
     */
    public List<List<Word>> candidates(List<String> texts) {
        List<List<WordSlot>> slots = new ArrayList<>();
        List<WordSlot> single = new ArrayList<>();
        List<WordSlot> multi = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            Encoding e = tokenizer.encode(texts.get(t));
            List<WordSlot> words = words(texts.get(t), e);
            for (WordSlot w : words) {
                if (w.replaceable) {
                    (w.positions.length == 1 ? single : multi).add(w);
                }
            }
            slots.add(words);
        }
        mlmCandidates(single);
        neighbourCandidates(multi);
        List<List<Word>> out = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            List<Word> words = new ArrayList<>();
            for (WordSlot w : slots.get(t)) {
                String text = texts.get(t).substring(w.start, w.end);
                List<String> cands = new ArrayList<>();
                for (long id : w.candidates) {
                    cands.add(caseLike(vocab[(int) id], text));
                }
                words.add(new Word(text, w.start, w.end, w.positions.length, w.candidates, cands));
            }
            out.add(words);
        }
        return out;
    }

    /**
     * N augmented copies of every text.
     *
     * @param texts the texts
     * @param firstIndex the data-set index of {@code texts.get(0)}, so copies of an example do not
     *     depend on how the data set was cut into calls
     * @return for each text, its N copies
     */
    public List<List<String>> augment(List<String> texts, long firstIndex) {
        List<List<Word>> all = candidates(texts);
        List<List<String>> out = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            List<String> copiesOfT = new ArrayList<>();
            for (int c = 0; c < copies; c++) {
                copiesOfT.add(copy(texts.get(t), all.get(t), Seeds.random(seed, firstIndex + t, c)));
            }
            out.add(copiesOfT);
        }
        return out;
    }

    /** One copy: each replaceable word replaced with probability p_t by a uniform candidate. */
    String copy(String text, List<Word> words, SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        int at = 0;
        for (Word w : words) {
            if (w.candidates().isEmpty()) {
                continue;
            }
            if (r.nextDouble() < replaceProbability) {
                sb.append(text, at, w.start()).append(w.candidates().get(r.nextInt(w.candidates().size())));
                at = w.end();
            }
        }
        return sb.append(text, at, text.length()).toString();
    }

    private static String caseLike(String candidate, String original) {
        if (!original.isEmpty() && Character.isUpperCase(original.charAt(0))) {
            return candidate.substring(0, 1).toUpperCase(Locale.ROOT) + candidate.substring(1);
        }
        return candidate;
    }

    /** A word of one encoded text: its token positions and character span. */
    private static final class WordSlot {
        final long[] ids;
        final long[] types;
        final int[] positions;
        final int start;
        final int end;
        final boolean replaceable;
        long[] candidates = new long[0];

        WordSlot(long[] ids, long[] types, int[] positions, int start, int end, boolean replaceable) {
            this.ids = ids;
            this.types = types;
            this.positions = positions;
            this.start = start;
            this.end = end;
            this.replaceable = replaceable;
        }
    }

    private static List<WordSlot> words(String text, Encoding e) {
        long[] wordIds = e.getWordIds();
        long[] special = e.getSpecialTokenMask();
        CharSpan[] spans = e.getCharTokenSpans();
        List<WordSlot> out = new ArrayList<>();
        int i = 0;
        while (i < wordIds.length) {
            if (special[i] != 0 || wordIds[i] < 0 || spans[i] == null) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < wordIds.length && wordIds[j + 1] == wordIds[i] && special[j + 1] == 0) {
                j++;
            }
            int start = spans[i].getStart();
            int end = spans[j].getEnd();
            String w = text.substring(start, end);
            boolean hasLetter = w.codePoints().anyMatch(Character::isLetter);
            int[] pos = new int[j - i + 1];
            for (int p = i; p <= j; p++) {
                pos[p - i] = p;
            }
            out.add(new WordSlot(e.getIds(), e.getTypeIds(), pos, start, end, hasLetter));
            i = j + 1;
        }
        return out;
    }

    /** Masks each single-piece word alone and takes the teacher's top-K whole words there. */
    private void mlmCandidates(List<WordSlot> words) {
        for (int from = 0; from < words.size(); from += batchSize) {
            List<WordSlot> chunk = words.subList(from, Math.min(words.size(), from + batchSize));
            try (NDManager sub = manager.newSubManager()) {
                int t = 0;
                for (WordSlot w : chunk) {
                    t = Math.max(t, w.ids.length);
                }
                int b = chunk.size();
                long[] ids = new long[b * t];
                long[] mask = new long[b * t];
                long[] types = new long[b * t];
                int[][] positions = new int[b][];
                for (int i = 0; i < b; i++) {
                    WordSlot w = chunk.get(i);
                    System.arraycopy(w.ids, 0, ids, i * t, w.ids.length);
                    System.arraycopy(w.types, 0, types, i * t, w.types.length);
                    Arrays.fill(mask, i * t, i * t + w.ids.length, 1L);
                    ids[i * t + w.positions[0]] = maskId;
                    positions[i] = new int[] {w.positions[0]};
                }
                Shape s = new Shape(b, t);
                TokenBatch batch = new TokenBatch(sub.create(ids, s), sub.create(mask, s), sub.create(types, s), null,
                        0);
                NDArray logits = teacher.run(batch, positions).positionLogits(); // (b, V)
                long[] top = topExcluding(logits, chunk.stream().mapToLong(w -> w.ids[w.positions[0]]).toArray(), sub);
                for (int i = 0; i < b; i++) {
                    chunk.get(i).candidates = Arrays.copyOfRange(top, i * k, (i + 1) * k);
                }
            }
        }
    }

    /** Nearest whole-word tokens (cosine) to the mean piece embedding of each multi-piece word. */
    private void neighbourCandidates(List<WordSlot> words) {
        if (words.isEmpty()) {
            return;
        }
        NDArray e = teacher.encoder().wordEmbeddings().getArray();
        synchronized (this) {
            if (unitEmbeddings == null) {
                NDManager own = manager.newSubManager();
                NDArray copy = e.toType(DataType.FLOAT32, true);
                copy.attach(own);
                unitEmbeddings = copy.div(Scalars.maximum(copy.norm(new int[] {1}, true), 1e-12f));
            }
        }
        NDArray unit = unitEmbeddings;
        try (NDManager sub = manager.newSubManager()) {
            for (int from = 0; from < words.size(); from += batchSize) {
                List<WordSlot> chunk = words.subList(from, Math.min(words.size(), from + batchSize));
                NDList rows = new NDList();
                for (WordSlot w : chunk) {
                    long[] pieceIds = new long[w.positions.length];
                    for (int p = 0; p < pieceIds.length; p++) {
                        pieceIds[p] = w.ids[w.positions[p]];
                    }
                    NDArray index = sub.create(pieceIds).reshape(-1, 1).broadcast(pieceIds.length, e.getShape().get(1));
                    rows.add(e.gather(index, 0).mean(new int[] {0}, true).toType(DataType.FLOAT32, false));
                }
                NDArray mean = ai.djl.ndarray.NDArrays.concat(rows, 0); // (W, H)
                NDArray q = mean.div(Scalars.maximum(mean.norm(new int[] {1}, true), 1e-12f));
                NDArray cos = q.matMul(unit.transpose()); // (W, V)
                long[] top = topExcluding(cos, new long[chunk.size()], sub);
                for (int i = 0; i < chunk.size(); i++) {
                    chunk.get(i).candidates = Arrays.copyOfRange(top, i * k, (i + 1) * k);
                }
            }
        }
    }

    /**
     * Top K allowed ids per row of (W, V) scores, excluding {@code exclude[i]} in row i: the K + 1
     * best allowed ids, without the excluded one, cut to K.
     */
    private long[] topExcluding(NDArray scores, long[] exclude, NDManager sub) {
        int w = exclude.length;
        NDArray penalised = scores.toType(DataType.FLOAT32, false).add(sub.create(penalty).toDevice(scores.getDevice(),
                false));
        long[] top = penalised.topK(k + 1, 1, true, true).get(1).toType(DataType.INT64, false).toLongArray();
        long[] out = new long[w * k];
        for (int i = 0; i < w; i++) {
            int n = 0;
            for (int j = 0; j < k + 1 && n < k; j++) {
                long id = top[i * (k + 1) + j];
                if (id != exclude[i]) {
                    out[i * k + n++] = id;
                }
            }
        }
        return out;
    }

    /** Configures a {@link TinyBertAugmenter}; {@link #build()} validates. */
    public static final class Builder {
        private final MlmTeacher teacher;
        private final TextTokenizer tokenizer;
        private final NDManager manager;
        private int k = 15;
        private double replaceProbability = 0.4;
        private int copies = 20;
        private int batchSize = 64;
        private long seed = 42;

        private Builder(MlmTeacher teacher, TextTokenizer tokenizer, NDManager manager) {
            this.teacher = Objects.requireNonNull(teacher, "teacher");
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        /**
         * K, candidates per word (default 15).
         *
         * @param k K &ge; 1
         * @return this builder
         */
        public Builder optCandidates(int k) {
            this.k = k;
            return this;
        }

        /**
         * p_t, the probability that a word is replaced in a copy (default 0.4).
         *
         * @param p p_t, in [0, 1]
         * @return this builder
         */
        public Builder optReplaceProbability(double p) {
            this.replaceProbability = p;
            return this;
        }

        /**
         * N, copies per example (default 20).
         *
         * @param n N &ge; 1
         * @return this builder
         */
        public Builder optCopies(int n) {
            this.copies = n;
            return this;
        }

        /**
         * Masked sentences per teacher forward pass (default 64).
         *
         * @param n sentences, &ge; 1
         * @return this builder
         */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Sets the seed of the replacements (default 42).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the augmenter.
         *
         * @return the augmenter
         * @throws IllegalArgumentException if K, N or the batch size is not positive, or p_t is outside [0, 1]
         */
        public TinyBertAugmenter build() {
            if (k < 1 || copies < 1 || batchSize < 1) {
                throw new IllegalArgumentException("candidates K (" + k + "), copies N (" + copies + ") and batch size ("
                        + batchSize + ") must be positive");
            }
            if (!(replaceProbability >= 0 && replaceProbability <= 1)) {
                throw new IllegalArgumentException("replace probability (" + replaceProbability + ") must lie in [0, 1]");
            }
            return new TinyBertAugmenter(this);
        }
    }
}
