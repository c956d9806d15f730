package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchingTest {

    private static int[] randomLengths(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            l[i] = 4 + r.nextInt(125);
        }
        return l;
    }

    @Test
    void everyIndexOncePerEpochAndSeeded() {
        int[] lengths = randomLengths(1000, 1);
        BucketBatcher b = new BucketBatcher(lengths, 32, 20, false, 7);
        for (long epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[lengths.length];
            for (int[] batch : b.epoch(epoch)) {
                assertTrue(batch.length <= 32);
                for (int i : batch) {
                    seen[i]++;
                }
            }
            for (int c : seen) {
                assertEquals(1, c);
            }
        }
        assertEquals(flatten(b.epoch(1)), flatten(new BucketBatcher(lengths, 32, 20, false, 7).epoch(1)));
        assertNotEquals(flatten(b.epoch(0)), flatten(b.epoch(1)));
        assertNotEquals(flatten(b.epoch(0)), flatten(new BucketBatcher(lengths, 32, 20, false, 8).epoch(0)));
    }

    @Test
    void bucketingCutsPadding() {
        int[] lengths = randomLengths(2000, 2);
        double bucketed = paddingFraction(lengths, new BucketBatcher(lengths, 32, 50, false, 3).epoch(0));
        double plain = paddingFraction(lengths, new BucketBatcher(lengths, 32, 1, false, 3).epoch(0));
        // Uniform lengths in [4, 128]: random batches of 32 pad to ≈ the max, about 48% padding;
        // sorted windows of 1,600 examples leave batches spanning ≈ 2.5 tokens.
        assertTrue(plain > 0.4, "plain " + plain);
        assertTrue(bucketed < 0.05, "bucketed " + bucketed);
    }

    @Test
    void dropLastDropsShortBatches() {
        BucketBatcher b = new BucketBatcher(randomLengths(100, 3), 32, 1, true, 1);
        List<int[]> e = b.epoch(0);
        assertEquals(3, e.size());
        e.forEach(batch -> assertEquals(32, batch.length));
    }

    @Test
    void resumingFromACursorReplaysExactly() {
        int[] lengths = randomLengths(300, 4);
        BucketBatcher b = new BucketBatcher(lengths, 16, 5, false, 11); // 19 batches per epoch
        BucketBatcher.Batches run = b.iterator(DataCursor.START);
        List<int[]> uninterrupted = new ArrayList<>();
        DataCursor saved = null;
        for (int i = 0; i < 50; i++) {
            if (i == 27) {
                saved = run.cursor();
            }
            uninterrupted.add(run.next());
        }
        assertEquals(new DataCursor(1, 8), saved);
        BucketBatcher.Batches resumed = new BucketBatcher(lengths, 16, 5, false, 11).iterator(saved);
        for (int i = 27; i < 50; i++) {
            assertArrayEquals(uninterrupted.get(i), resumed.next(), "batch " + i);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.iterator(new DataCursor(0, 40)));
        assertTrue(e.getMessage().contains("past the end of epoch 0, which has 19 batches"), e.getMessage());
    }

    @Test
    void collatorPadsToTheLongestWithMasksTypesAndLabels() {
        TokenizedExample a = new TokenizedExample(new long[] {101, 7, 8, 102}, null, null, new boolean[4],
                new double[] {2});
        TokenizedExample b = new TokenizedExample(new long[] {101, 5, 102, 6, 102}, new long[] {0, 0, 0, 1, 1}, null,
                new boolean[5], new double[] {0});
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch t = new Collator(0).collate(List.of(a, b), LabelKind.CLASS, m);
            assertArrayEquals(new long[] {101, 7, 8, 102, 0, 101, 5, 102, 6, 102}, t.inputIds().toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, t.attentionMask().toLongArray());
            assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, t.tokenTypeIds().toLongArray());
            assertArrayEquals(new long[] {2, 0}, t.labels().toLongArray());
            assertEquals(9, t.realTokens());
            TokenBatch s = new Collator(0).collate(List.of(a.withLabel(4.5), b.withLabel(0.25)), LabelKind.SCORE, m);
            assertArrayEquals(new float[] {4.5f, 0.25f}, s.labels().toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Collator(0).collate(List.of(a), LabelKind.SPAN, m));
            assertTrue(e.getMessage().contains("SPAN labels need 2"), e.getMessage());
        }
    }

    private static double paddingFraction(int[] lengths, List<int[]> batches) {
        long real = 0;
        long padded = 0;
        for (int[] batch : batches) {
            int max = 0;
            for (int i : batch) {
                max = Math.max(max, lengths[i]);
                real += lengths[i];
            }
            padded += (long) max * batch.length;
        }
        return 1 - (double) real / padded;
    }

    private static List<Integer> flatten(List<int[]> batches) {
        List<Integer> out = new ArrayList<>();
        batches.forEach(b -> Arrays.stream(b).forEach(out::add));
        return out;
    }
}
