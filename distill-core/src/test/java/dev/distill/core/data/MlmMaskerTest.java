package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class MlmMaskerTest {

    static final long MASK = 103;
    static final int VOCAB = 30522;

    /** [CLS] w0 w1a w1b w2 ... [SEP]: 40 words, every third split into two pieces. */
    static TokenizedExample sentence() {
        List<Long> ids = new java.util.ArrayList<>();
        List<Integer> words = new java.util.ArrayList<>();
        ids.add(101L);
        words.add(-1);
        for (int w = 0; w < 40; w++) {
            ids.add(2000L + w);
            words.add(w);
            if (w % 3 == 0) {
                ids.add(5000L + w);
                words.add(w);
            }
        }
        ids.add(102L);
        words.add(-1);
        int n = ids.size();
        boolean[] special = new boolean[n];
        special[0] = true;
        special[n - 1] = true;
        return new TokenizedExample(ids.stream().mapToLong(Long::longValue).toArray(), null,
                words.stream().mapToInt(Integer::intValue).toArray(), special, null);
    }

    @Test
    void masksRound15PercentOfNonSpecialTokensAndLabelsThem() {
        TokenizedExample ex = sentence(); // 54 non-special tokens -> round(8.1) = 8
        MlmMasker m = MlmMasker.builder(MASK, VOCAB).optSeed(1).build();
        for (int key = 0; key < 50; key++) {
            MlmMasker.Masked r = m.mask(ex, key, 0);
            int[] pos = r.predictedPositions();
            assertEquals(8, pos.length);
            assertEquals(TokenBatch.IGNORE_INDEX, r.labels()[0]);
            assertEquals(TokenBatch.IGNORE_INDEX, r.labels()[ex.length() - 1]);
            assertEquals(101, r.inputIds()[0]);
            assertEquals(102, r.inputIds()[ex.length() - 1]);
            for (int i = 0; i < ex.length(); i++) {
                if (r.labels()[i] == TokenBatch.IGNORE_INDEX) {
                    assertEquals(ex.ids()[i], r.inputIds()[i], "unpredicted tokens are untouched");
                } else {
                    assertEquals(ex.ids()[i], r.labels()[i]);
                }
            }
        }
    }

    @Test
    void replacementSplitIs80_10_10() {
        TokenizedExample ex = sentence();
        MlmMasker m = MlmMasker.builder(MASK, VOCAB).optSeed(5).build();
        int masked = 0;
        int kept = 0;
        int random = 0;
        for (int key = 0; key < 2000; key++) {
            MlmMasker.Masked r = m.mask(ex, key, 3);
            for (int p : r.predictedPositions()) {
                if (r.inputIds()[p] == MASK) {
                    masked++;
                } else if (r.inputIds()[p] == ex.ids()[p]) {
                    kept++;
                } else {
                    random++;
                }
            }
        }
        int n = masked + kept + random; // 16,000 draws; binomial sd of the 0.1 share ≈ 0.0024
        assertEquals(16_000, n);
        assertEquals(0.8, masked / (double) n, 0.012);
        assertEquals(0.1, kept / (double) n, 0.012);
        assertEquals(0.1, random / (double) n, 0.012);
    }

    @Test
    void wholeWordMaskingTakesAllPiecesOfAWord() {
        TokenizedExample ex = sentence();
        MlmMasker m = MlmMasker.builder(MASK, VOCAB).optWholeWord(true).optSeed(2).build();
        boolean sawSplitWord = false;
        for (int key = 0; key < 200; key++) {
            MlmMasker.Masked r = m.mask(ex, key, 0);
            int[] pos = r.predictedPositions();
            assertTrue(pos.length <= 8 && pos.length >= 7, "count " + pos.length);
            for (int p : pos) {
                int w = ex.wordIds()[p];
                for (int i = 0; i < ex.length(); i++) {
                    if (ex.wordIds()[i] == w) {
                        assertNotEquals(TokenBatch.IGNORE_INDEX, r.labels()[i], "piece " + i + " of word " + w);
                        sawSplitWord |= i != p;
                    }
                }
            }
        }
        assertTrue(sawSplitWord);
    }

    @Test
    void sameSeedEpochAndKeyGiveTheSameMaskingOthersDoNot() {
        TokenizedExample ex = sentence();
        MlmMasker a = MlmMasker.builder(MASK, VOCAB).optSeed(9).build();
        MlmMasker b = MlmMasker.builder(MASK, VOCAB).optSeed(9).build();
        assertArrayEquals(a.mask(ex, 4, 1).inputIds(), b.mask(ex, 4, 1).inputIds());
        assertFalse(java.util.Arrays.equals(a.mask(ex, 4, 1).labels(), a.mask(ex, 4, 2).labels()));
        assertFalse(java.util.Arrays.equals(a.mask(ex, 4, 1).labels(), a.mask(ex, 5, 1).labels()));
    }

    @Test
    void collatedMaskedBatchPadsLabelsWithIgnore() {
        TokenizedExample ex = sentence();
        TokenizedExample shorter = new TokenizedExample(new long[] {101, 7, 102}, null, new int[] {-1, 0, -1},
                new boolean[] {true, false, true}, null);
        MlmMasker m = MlmMasker.builder(MASK, VOCAB).optSeed(3).build();
        MlmMasker.Masked s = m.mask(shorter, 0, 0);
        assertArrayEquals(new int[] {1}, s.predictedPositions(), "max(1, round(0.15)) = 1 token");
        try (NDManager nd = NDManager.newBaseManager()) {
            TokenBatch t = new Collator(0).collateMasked(List.of(ex, shorter), List.of(m.mask(ex, 1, 0), s), nd);
            long[] labels = t.labels().toLongArray();
            int len = ex.length();
            for (int i = 3; i < len; i++) {
                assertEquals(TokenBatch.IGNORE_INDEX, labels[len + i]);
            }
            assertEquals(7, labels[len + 1]);
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MlmMasker.builder(40000, VOCAB).build());
        assertThrows(IllegalArgumentException.class, () -> MlmMasker.builder(MASK, VOCAB).optProbability(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> MlmMasker.builder(MASK, VOCAB).optReplacement(0.8, 0.3).build());
        TokenizedExample noWords = new TokenizedExample(new long[] {1, 2}, null, null, new boolean[2], null);
        assertThrows(IllegalArgumentException.class,
                () -> MlmMasker.builder(MASK, VOCAB).optWholeWord(true).build().mask(noWords, 0, 0));
    }
}
