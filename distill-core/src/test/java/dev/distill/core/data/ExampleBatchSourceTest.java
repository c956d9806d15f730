package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExampleBatchSourceTest {

    private static List<TokenizedExample> examples(int n) {
        SplittableRandom r = new SplittableRandom(7);
        List<TokenizedExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + r.nextInt(20);
            long[] ids = new long[len];
            boolean[] special = new boolean[len];
            ids[0] = 101;
            ids[len - 1] = 102;
            special[0] = true;
            special[len - 1] = true;
            for (int j = 1; j < len - 1; j++) {
                ids[j] = 1000 + r.nextInt(5000);
            }
            out.add(new TokenizedExample(ids, null, null, special, new double[] {i % 3}));
        }
        return out;
    }

    private static List<long[]> take(BatchSource s, int n, NDManager m) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.next(m).inputIds().toLongArray());
        }
        return out;
    }

    @Test
    void seekingToARecordedPositionReplaysTheSameBatches() {
        List<TokenizedExample> data = examples(100);
        try (NDManager m = NDManager.newBaseManager()) {
            ExampleBatchSource straight = new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 42);
            assertEquals(13, straight.batchesPerEpoch());
            List<long[]> all = take(straight, 30, m); // crosses two epoch boundaries
            ExampleBatchSource first = new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 42);
            take(first, 17, m);
            BatchSource.Position p = first.position();
            assertEquals(new BatchSource.Position(1, 4), p);
            ExampleBatchSource resumed = new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 42);
            resumed.seek(p);
            List<long[]> rest = take(resumed, 13, m);
            for (int i = 0; i < 13; i++) {
                assertArrayEquals(all.get(17 + i), rest.get(i), "batch " + (17 + i));
            }
        }
    }

    @Test
    void fingerprintChangesWithDataAndSettings() {
        List<TokenizedExample> data = examples(50);
        String a = new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 42).fingerprint();
        assertEquals(a, new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 42).fingerprint());
        assertNotEquals(a, new ExampleBatchSource(data, 8, LabelKind.CLASS, null, 0, 43).fingerprint());
        assertNotEquals(a, new ExampleBatchSource(data.subList(0, 49), 8, LabelKind.CLASS, null, 0, 42).fingerprint());
        assertTrue(a.contains("50 examples"), a);
    }

    @Test
    void maskedBatchesCarryLabelsOnlyAtMaskedPositions() {
        List<TokenizedExample> data = examples(40);
        MlmMasker masker = MlmMasker.builder(103, 30522).build();
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch b = new ExampleBatchSource(data, 8, LabelKind.NONE, masker, 0, 1).next(m);
            long[] labels = b.labels().toLongArray();
            long[] mask = b.attentionMask().toLongArray();
            int labelled = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] != TokenBatch.IGNORE_INDEX) {
                    labelled++;
                    assertEquals(1, mask[i], "a label on a padded position");
                }
            }
            assertTrue(labelled > 0 && labelled < b.realTokens() / 4, labelled + " of " + b.realTokens());
        }
    }
}
