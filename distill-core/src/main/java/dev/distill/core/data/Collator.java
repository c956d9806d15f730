package dev.distill.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Dynamic padding: a list of {@link TokenizedExample}s becomes one {@link TokenBatch} padded to
 * the longest of them (not to a fixed maximum), with attention mask 1 on real tokens and token
 * types carried over. Masked-LM batches take the inputs and labels an {@link MlmMasker} made.
 */
public final class Collator {

    private final long padId;

    /** @param padId the tokenizer's [PAD] id (0 for BERT vocabularies) */
    public Collator(long padId) {
        this.padId = padId;
    }

    /**
     * Pads {@code examples} into one batch with labels of the given kind.
     *
     * @param examples at least one example
     * @param labels what the labels are, which fixes their shape and dtype (or none)
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch, T the longest example
     * @throws IllegalArgumentException if there is no example or a label does not fit its kind (the
     *         message names the example)
     */
    public TokenBatch collate(List<TokenizedExample> examples, LabelKind labels, NDManager manager) {
        long[][] ids = new long[examples.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = examples.get(i).ids();
        }
        TokenBatch b = pad(ids, examples, manager);
        return labels == LabelKind.NONE ? b : b.withLabels(labels(examples, labels, manager));
    }

    /**
     * Pads masked-LM inputs: {@code masked.get(i)} holds the (partly replaced) ids and the labels
     * ({@link TokenBatch#IGNORE_INDEX} where nothing is predicted) for {@code examples.get(i)}.
     * Padding positions get IGNORE_INDEX labels.
     *
     * @param examples at least one example
     * @param masked one masking per example, each as long as its example
     * @param manager the owner of the batch's arrays
     * @return a (B, T) batch with (B, T) labels
     * @throws IllegalArgumentException if the lists differ in size or a masking in length
     */
    public TokenBatch collateMasked(List<TokenizedExample> examples, List<MlmMasker.Masked> masked, NDManager manager) {
        if (examples.size() != masked.size()) {
            throw new IllegalArgumentException(examples.size() + " examples but " + masked.size() + " masked inputs");
        }
        long[][] ids = new long[examples.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = masked.get(i).inputIds();
        }
        TokenBatch b = pad(ids, examples, manager);
        int t = b.sequenceLength();
        long[] lab = new long[ids.length * t];
        Arrays.fill(lab, TokenBatch.IGNORE_INDEX);
        for (int i = 0; i < ids.length; i++) {
            long[] l = masked.get(i).labels();
            System.arraycopy(l, 0, lab, i * t, l.length);
        }
        return b.withLabels(manager.create(lab, new Shape(ids.length, t)));
    }

    private TokenBatch pad(long[][] ids, List<TokenizedExample> examples, NDManager manager) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("cannot build a batch from no examples");
        }
        int b = examples.size();
        int t = 0;
        for (long[] row : ids) {
            t = Math.max(t, row.length);
        }
        long[] idArr = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        Arrays.fill(idArr, padId);
        long real = 0;
        for (int i = 0; i < b; i++) {
            int n = ids[i].length;
            if (n != examples.get(i).length()) {
                throw new IllegalArgumentException("example " + i + ": masked ids have length " + n
                        + " but the example has " + examples.get(i).length() + " tokens");
            }
            System.arraycopy(ids[i], 0, idArr, i * t, n);
            System.arraycopy(examples.get(i).typeIds(), 0, types, i * t, n);
            Arrays.fill(mask, i * t, i * t + n, 1L);
            real += n;
        }
        Shape shape = new Shape(b, t);
        NDArray idNd = manager.create(idArr, shape);
        NDArray maskNd = manager.create(mask, shape);
        NDArray typeNd = manager.create(types, shape);
        return new TokenBatch(idNd, maskNd, typeNd, null, real);
    }

    private static NDArray labels(List<TokenizedExample> examples, LabelKind kind, NDManager manager) {
        int b = examples.size();
        int width = kind == LabelKind.SPAN ? 2 : 1;
        for (int i = 0; i < b; i++) {
            if (examples.get(i).label().length != width) {
                throw new IllegalArgumentException("example " + i + " has " + examples.get(i).label().length
                        + " label values, but " + kind + " labels need " + width);
            }
        }
        if (kind == LabelKind.SCORE) {
            float[] v = new float[b];
            for (int i = 0; i < b; i++) {
                v[i] = (float) examples.get(i).label()[0];
            }
            return manager.create(v);
        }
        long[] v = new long[b * width];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < width; j++) {
                double d = examples.get(i).label()[j];
                if (d != Math.rint(d)) {
                    throw new IllegalArgumentException("example " + i + ": " + kind + " label " + d
                            + " is not an integer");
                }
                v[i * width + j] = (long) d;
            }
        }
        return kind == LabelKind.SPAN ? manager.create(v, new Shape(b, 2)) : manager.create(v);
    }
}
