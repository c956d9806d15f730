package dev.distill.core.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.TokenBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A deterministic, resumable stream over fixed random sequences (lengths 3..maxLen, padded with
 * id 0), class label = (first token) mod classes, reshuffled per epoch from (seed, epoch).
 */
final class SyntheticBatches implements BatchSource {

    private final List<long[]> examples = new ArrayList<>();
    private final int batchSize;
    private final int classes;
    private final long seed;
    private long epoch;
    private long batchInEpoch;
    private List<Integer> order;

    SyntheticBatches(int count, int vocab, int maxLen, int batchSize, int classes, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            long[] ids = new long[3 + r.nextInt(maxLen - 2)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = 1 + r.nextInt(vocab - 1);
            }
            examples.add(ids);
        }
        this.batchSize = batchSize;
        this.classes = classes;
        this.seed = seed;
        shuffle();
    }

    private void shuffle() {
        order = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed * 31 + epoch));
    }

    @Override
    public TokenBatch next(NDManager manager) {
        if (batchInEpoch == batchesPerEpoch()) {
            epoch++;
            batchInEpoch = 0;
            shuffle();
        }
        return batch((int) batchInEpoch++, manager);
    }

    TokenBatch batch(int index, NDManager manager) {
        List<long[]> chosen = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            chosen.add(examples.get(order.get(index * batchSize + i)));
        }
        int len = chosen.stream().mapToInt(a -> a.length).max().orElseThrow();
        long[] ids = new long[batchSize * len];
        long[] mask = new long[batchSize * len];
        long[] labels = new long[batchSize];
        long real = 0;
        for (int i = 0; i < batchSize; i++) {
            long[] e = chosen.get(i);
            System.arraycopy(e, 0, ids, i * len, e.length);
            for (int j = 0; j < e.length; j++) {
                mask[i * len + j] = 1;
            }
            labels[i] = e[0] % classes;
            real += e.length;
        }
        Shape shape = new Shape(batchSize, len);
        return new TokenBatch(manager.create(ids, shape), manager.create(mask, shape), null,
                manager.create(labels), real);
    }

    @Override
    public Position position() {
        return new Position(epoch, batchInEpoch);
    }

    @Override
    public void seek(Position position) {
        epoch = position.epoch();
        batchInEpoch = position.batchInEpoch();
        shuffle();
    }

    @Override
    public long batchesPerEpoch() {
        return examples.size() / batchSize;
    }

    @Override
    public String fingerprint() {
        return "synthetic:" + examples.size() + ":" + batchSize + ":" + seed;
    }
}
