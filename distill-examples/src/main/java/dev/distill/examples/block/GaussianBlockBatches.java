package dev.distill.examples.block;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.GaussianInputs;
import dev.distill.core.data.TokenBatch;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An endless stream of random block inputs ("push random numbers through", as block-level
 * distillation does): batch n is {@link GaussianInputs#batch(int, int, int, long, NDManager)} at
 * step n, rows of lengths drawn from [minLength, seqLength], carried as {@link BlockBatch}es. A
 * batch is a function of (seed, n), so the position is just n and a resumed run sees the batches an
 * uninterrupted run would have seen. One "epoch" is unbounded ({@link #batchesPerEpoch()} = {@code
 * Long.MAX_VALUE}).
 */
public final class GaussianBlockBatches implements BatchSource {

    private final GaussianInputs inputs;
    private final int batchSize;
    private final int seqLength;
    private final int minLength;
    private final String fingerprint;
    private final NDManager host;
    private long next;

    /**
     * @param inputs the distribution (and its seed)
     * @param batchSize rows per batch
     * @param seqLength padded length T
     * @param minLength shortest row; rows are {@code minLength..seqLength} long, the rest masked
     */
    public GaussianBlockBatches(GaussianInputs inputs, int batchSize, int seqLength, int minLength) {
        this.inputs = Objects.requireNonNull(inputs, "inputs");
        if (batchSize < 1 || seqLength < 1 || minLength < 1 || minLength > seqLength) {
            throw new IllegalArgumentException("need batch size ≥ 1 and 1 ≤ min length ≤ sequence length, got batch "
                    + batchSize + ", min length " + minLength + ", sequence length " + seqLength);
        }
        this.batchSize = batchSize;
        this.seqLength = seqLength;
        this.minLength = minLength;
        this.fingerprint = fingerprint(inputs, batchSize, seqLength, minLength);
        this.host = NDManager.newBaseManager(Device.cpu());
    }

    /**
     * Batch {@code step} on {@code manager}, not advancing the stream (for baselines and
     * evaluation sets).
     */
    public TokenBatch batchAt(long step, NDManager manager) {
        if (!manager.getDevice().isGpu()) {
            GaussianInputs.HiddenBatch b = inputs.batch(batchSize, seqLength, minLength, step, manager);
            return BlockBatch.of(b.hidden(), b.attentionMask(), sum(b.attentionMask().toLongArray()));
        }
        // Drawn on the host (the numbers come from Java anyway), counted there, then copied once.
        // Only a copy to another device: toDevice to the same device aliases the storage of an
        // array whose Java buffer dies with it (DJL 0.35), so it would read freed memory later.
        try (NDManager h = host.newSubManager()) {
            GaussianInputs.HiddenBatch b = inputs.batch(batchSize, seqLength, minLength, step, h);
            NDArray x = b.hidden().toDevice(manager.getDevice(), true);
            NDArray mask = b.attentionMask().toDevice(manager.getDevice(), true);
            x.attach(manager);
            mask.attach(manager);
            return BlockBatch.of(x, mask, sum(b.attentionMask().toLongArray()));
        }
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }

    @Override
    public TokenBatch next(NDManager manager) {
        return batchAt(next++, manager);
    }

    @Override
    public Position position() {
        return new Position(0, next);
    }

    @Override
    public void seek(Position position) {
        if (position.epoch() != 0) {
            throw new IllegalArgumentException("a Gaussian stream has a single unbounded epoch; cannot seek to epoch "
                    + position.epoch());
        }
        next = position.batchInEpoch();
    }

    @Override
    public long batchesPerEpoch() {
        return Long.MAX_VALUE;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public void close() {
        host.close();
    }

    private static String fingerprint(GaussianInputs in, int b, int t, int minLength) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            StringBuilder sb = new StringBuilder();
            for (float v : in.mean()) {
                sb.append(Float.floatToIntBits(v)).append(',');
            }
            sb.append('|');
            for (float v : in.std()) {
                sb.append(Float.floatToIntBits(v)).append(',');
            }
            md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
            String settings = "gaussian H=" + in.hiddenSize() + ",batch=" + b + ",T=" + t + ",minT=" + minLength
                    + ",seed=" + in.seed();
            md.update(settings.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16) + " (" + settings + ")";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
