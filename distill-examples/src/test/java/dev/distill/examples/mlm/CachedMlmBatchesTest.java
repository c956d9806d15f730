package dev.distill.examples.mlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.data.MaskedSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rows a batch names are the examples it holds, with the cache's (static) masking, in every epoch. */
class CachedMlmBatchesTest {

    private static MaskedSet set() {
        List<TokenizedExample> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = 4 + i % 5;
            long[] ids = new long[n];
            boolean[] special = new boolean[n];
            ids[0] = 101;
            ids[n - 1] = 102;
            special[0] = true;
            special[n - 1] = true;
            for (int j = 1; j < n - 1; j++) {
                ids[j] = 1000 + 10 * i + j;
            }
            ex.add(new TokenizedExample(ids, new long[n], null, special, new double[0]));
        }
        return new MaskedSet(ex, MlmMasker.builder(103, 2000).optSeed(5).build(), 0, 4);
    }

    @Test
    void batchRowsAreItsExamplesWithTheStaticMasking() {
        MaskedSet s = set();
        CachedMlmBatches data = new CachedMlmBatches(s, 3, 9);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 0; step < 9; step++) { // three epochs of 4 batches: masks never change
                TokenBatch b = data.next(m);
                long[] rows = data.examplesOf(b);
                long[] ids = b.inputIds().toLongArray();
                long[] labels = b.labels().toLongArray();
                int t = b.sequenceLength();
                for (int r = 0; r < rows.length; r++) {
                    MlmMasker.Masked mk = s.masked().get((int) rows[r]);
                    int n = mk.inputIds().length;
                    assertArrayEquals(mk.inputIds(), Arrays.copyOfRange(ids, r * t, r * t + n), "step " + step);
                    assertArrayEquals(mk.labels(), Arrays.copyOfRange(labels, r * t, r * t + n), "step " + step);
                }
            }
        }
    }

    @Test
    void aStaleBatchIsRefusedAndSeekRepeatsTheOrder() {
        CachedMlmBatches data = new CachedMlmBatches(set(), 3, 9);
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch first = data.next(m);
            data.next(m);
            assertThrows(IllegalStateException.class, () -> data.examplesOf(first));
            BatchSource.Position p = data.position();
            long[] a = data.examplesOf(data.next(m));
            data.seek(p);
            long[] b = data.examplesOf(data.next(m));
            assertArrayEquals(a, b);
            assertEquals(4, data.batchesPerEpoch());
        }
    }
}
