package dev.distill.examples.mlm;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.BucketedBatchSource;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.StepContext;
import dev.distill.models.data.MaskedSet;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Training batches over a {@link MaskedSet} whose teacher outputs are cached: every epoch shows
 * the same masked inputs (static masking, as in the original BERT — the cached soft targets
 * belong to those masks), in length-bucketed batches reshuffled per epoch from the seed. It
 * remembers which examples its latest batch holds, so a {@code CachedTopKSource} can look their
 * top-k targets up ({@link #examplesOf}).
 */
public final class CachedMlmBatches extends BucketedBatchSource {

    private final MaskedSet set;
    private final String fingerprint;
    private TokenBatch last;
    private long[] lastRows;

    public CachedMlmBatches(MaskedSet set, int batchSize, long seed) {
        super(lengths(Objects.requireNonNull(set, "set").examples()), batchSize, seed);
        this.set = set;
        this.fingerprint = fingerprint(set, batchSize, seed);
    }

    @Override
    public TokenBatch next(NDManager manager) {
        int[] rows = nextRows();
        TokenBatch b = set.collate(rows, manager);
        last = b;
        lastRows = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            lastRows[i] = rows[i];
        }
        return b;
    }

    /**
     * The cache index (= example index in the set) of each row of {@code batch}, which must be
     * the batch this source returned last (with gradient accumulation of 1, the step's batch).
     */
    public long[] examplesOf(TokenBatch batch) {
        if (last == null || batch.inputIds() != last.inputIds()) {
            throw new IllegalStateException("this batch was not the latest one CachedMlmBatches returned; its"
                    + " example indices are unknown. Look the targets up during the step that drew the batch"
                    + " (gradient accumulation 1)");
        }
        return lastRows.clone();
    }

    /** {@link #examplesOf} for a loss's step context. */
    public long[] examplesOf(StepContext ctx) {
        return examplesOf(ctx.batch());
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    private static String fingerprint(MaskedSet set, int batchSize, long seed) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8);
            for (var m : set.masked()) {
                for (long id : m.inputIds()) {
                    md.update(b.clear().putLong(id).array());
                }
                for (long id : m.labels()) {
                    md.update(b.clear().putLong(id).array());
                }
                md.update(b.clear().putLong(Long.MIN_VALUE).array());
            }
            String settings = "static-mlm,batch=" + batchSize + ",seed=" + seed;
            md.update(settings.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16) + " (" + set.size() + " examples, "
                    + settings + ")";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
