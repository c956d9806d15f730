package dev.distill.core.data;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A {@link BatchSource} over tokenised examples held in memory: length-bucketed, shuffled per
 * epoch from a seed ({@link BucketBatcher}), dynamically padded ({@link Collator}), optionally
 * masked for masked-LM training ({@link MlmMasker}, reproducible from seed, epoch and example).
 * Its position is exact, so a resumed run sees the same batches as an uninterrupted one.
 */
public final class ExampleBatchSource extends BucketedBatchSource {

    private final List<TokenizedExample> examples;
    private final Collator collator;
    private final LabelKind labels;
    private final MlmMasker masker;
    private final String fingerprint;

    /**
     * @param examples the data set (never modified)
     * @param batchSize examples per batch
     * @param labels which labels to collate ({@link LabelKind#NONE} for unlabelled text)
     * @param masker masks inputs for masked-LM training, or {@code null}
     * @param padId the tokenizer's [PAD] id
     * @param seed the shuffling seed
     */
    public ExampleBatchSource(List<TokenizedExample> examples, int batchSize, LabelKind labels, MlmMasker masker,
            long padId, long seed) {
        super(lengths(examples), batchSize, seed);
        this.examples = List.copyOf(examples);
        this.collator = new Collator(padId);
        this.labels = Objects.requireNonNull(labels, "labels");
        this.masker = masker;
        this.fingerprint = fingerprint(this.examples, batchSize, labels, masker != null, padId, seed);
    }

    @Override
    public TokenBatch next(NDManager manager) {
        DataCursor at = cursor();
        int[] rows = nextRows();
        List<TokenizedExample> batch = new ArrayList<>(rows.length);
        for (int r : rows) {
            batch.add(examples.get(r));
        }
        if (masker == null) {
            return collator.collate(batch, labels, manager);
        }
        List<MlmMasker.Masked> masked = new ArrayList<>(rows.length);
        for (int r : rows) {
            masked.add(masker.mask(examples.get(r), r, at.epoch()));
        }
        return collator.collateMasked(batch, masked, manager);
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /** {@return the number of examples} */
    public int size() {
        return examples.size();
    }

    private static String fingerprint(List<TokenizedExample> examples, int batchSize, LabelKind labels, boolean masked,
            long padId, long seed) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(8);
            for (TokenizedExample e : examples) {
                for (long id : e.ids()) {
                    md.update(buf.clear().putLong(id).array());
                }
                md.update(buf.clear().putLong(-1).array());
                for (double l : e.label()) {
                    md.update(buf.clear().putDouble(l).array());
                }
            }
            String settings = "batch=" + batchSize + ",labels=" + labels + ",mlm=" + masked + ",pad=" + padId
                    + ",seed=" + seed;
            md.update(settings.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16) + " (" + examples.size() + " examples, "
                    + settings + ")";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
