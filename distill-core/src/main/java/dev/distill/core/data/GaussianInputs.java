package dev.distill.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.Scalars;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Data-free inputs for block-level distillation (the {@code ./distill block} example): batches of
 * hidden states x ~ N(μ, diag(σ²)) of shape (B, T, H) fed to a Transformer block in place of real
 * activations, so a student block can imitate a teacher block without any text.
 *
 * <p>Either isotropic ({@link #isotropic}, e.g. N(0, 1), what a post-LayerNorm activation looks
 * like on average) or matched per dimension to a sample of the teacher's own activations
 * ({@link #matching}: μ_h and σ_h are the mean and standard deviation of dimension h over the real
 * tokens of the sample; the dimensions are drawn independently, correlations are not matched).
 *
 * <p>Numbers are drawn in Java from a generator seeded by (seed, step), then copied to the
 * device, so a batch is the same on CPU and GPU and any batch can be regenerated from its step.
 */
public final class GaussianInputs {

    /**
     * One batch of random inputs.
     *
     * @param hidden (B, T, H) float32 inputs
     * @param attentionMask (B, T) int64, 1 on the first L_b positions of row b and 0 after
     */
    public record HiddenBatch(NDArray hidden, NDArray attentionMask) {}

    private final float[] mean;
    private final float[] std;
    private final long seed;

    private GaussianInputs(float[] mean, float[] std, long seed) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean (" + mean.length + ") and std (" + std.length
                    + ") must have the same, positive, length H");
        }
        for (int h = 0; h < std.length; h++) {
            if (!(std[h] >= 0) || !Float.isFinite(std[h]) || !Float.isFinite(mean[h])) {
                throw new IllegalArgumentException("dimension " + h + ": mean " + mean[h] + " and std " + std[h]
                        + " must be finite with std ≥ 0");
            }
        }
        this.mean = mean;
        this.std = std;
        this.seed = seed;
    }

    /**
     * N(mean, std²) in every one of {@code hiddenSize} dimensions.
     *
     * @param hiddenSize H &ge; 1
     * @param mean μ of every dimension
     * @param std σ &ge; 0 of every dimension
     * @param seed the seed batches are drawn from (with the step)
     * @return the generator
     * @throws IllegalArgumentException if a mean or standard deviation is not finite or a standard
     *         deviation is negative
     */
    public static GaussianInputs isotropic(int hiddenSize, double mean, double std, long seed) {
        if (hiddenSize < 1) {
            throw new IllegalArgumentException("hiddenSize (" + hiddenSize + ") must be positive");
        }
        float[] m = new float[hiddenSize];
        float[] s = new float[hiddenSize];
        Arrays.fill(m, (float) mean);
        Arrays.fill(s, (float) std);
        return new GaussianInputs(m, s, seed);
    }

    /**
     * Per-dimension mean and standard deviation given explicitly.
     *
     * @param mean μ_h for each of the H dimensions; copied
     * @param std σ_h &ge; 0 for each dimension, as many as {@code mean}; copied
     * @param seed the seed batches are drawn from (with the step)
     * @return the generator
     * @throws IllegalArgumentException if a mean or standard deviation is not finite or a standard
     *         deviation is negative, or the lengths differ or are 0
     */
    public static GaussianInputs of(float[] mean, float[] std, long seed) {
        return new GaussianInputs(mean.clone(), std.clone(), seed);
    }

    /**
     * Mean and standard deviation per dimension of the teacher's activations, e.g. its embedding
     * output {@code hiddenStates.get(0)}.
     *
     * @param sample (B, T, H) activations
     * @param mask (B, T) attention mask: only real tokens count; {@code null} counts all
     * @param seed the seed batches are drawn from (with the step)
     * @return the generator, with H the last dimension of {@code sample}
     * @throws IllegalArgumentException if the sample is not rank 3 or has fewer than 2 real tokens
     */
    public static GaussianInputs matching(NDArray sample, NDArray mask, long seed) {
        if (sample.getShape().dimension() != 3) {
            throw new IllegalArgumentException("sample must have shape (B, T, H), got " + sample.getShape());
        }
        long hSize = sample.getShape().get(2);
        NDArray x = sample.toType(DataType.FLOAT64, false).reshape(-1, hSize);
        NDArray w = mask == null ? x.getManager().ones(new Shape(x.getShape().get(0), 1), DataType.FLOAT64)
                : mask.toType(DataType.FLOAT64, false).reshape(-1, 1);
        double n = w.sum().getDouble();
        if (n < 2) {
            throw new IllegalArgumentException("the sample has " + (long) n + " real tokens; at least 2 are needed"
                    + " to estimate a standard deviation");
        }
        NDArray mu = Scalars.div(x.mul(w).sum(new int[] {0}), (float) n);
        NDArray var = Scalars.div(x.sub(mu).square().mul(w).sum(new int[] {0}), (float) (n - 1));
        float[] m = mu.toType(DataType.FLOAT32, false).toFloatArray();
        float[] s = var.sqrt().toType(DataType.FLOAT32, false).toFloatArray();
        return new GaussianInputs(m, s, seed);
    }

    /** {@return H, the width of the generated inputs} */
    public int hiddenSize() {
        return mean.length;
    }

    /** {@return μ_h per dimension, in a new array} */
    public float[] mean() {
        return mean.clone();
    }

    /** {@return σ_h per dimension, in a new array} */
    public float[] std() {
        return std.clone();
    }

    /** {@return the seed batches are drawn from (with the step)} */
    public long seed() {
        return seed;
    }

    /**
     * A full-length batch (every position real).
     *
     * @param batchSize B &ge; 1
     * @param seqLength T &ge; 1
     * @param step the step; the same (seed, step) always gives the same batch
     * @param manager the owner of the returned arrays
     * @return the inputs and their mask
     * @throws IllegalArgumentException if B or T is less than 1
     */
    public HiddenBatch batch(int batchSize, int seqLength, long step, NDManager manager) {
        return batch(batchSize, seqLength, seqLength, step, manager);
    }

    /**
     * A batch whose rows have lengths drawn uniformly from [minLength, seqLength] (the mask marks
     * them); positions past a row's length hold draws too, but are masked.
     *
     * @param batchSize B &ge; 1
     * @param seqLength T, the longest row
     * @param minLength the shortest row, in [1, T]
     * @param step the step; the same (seed, step) always gives the same batch
     * @param manager the owner of the returned arrays
     * @return the inputs and their mask
     * @throws IllegalArgumentException if the sizes break 1 &le; minLength &le; T or B &lt; 1
     */
    public HiddenBatch batch(int batchSize, int seqLength, int minLength, long step, NDManager manager) {
        if (batchSize < 1 || seqLength < 1 || minLength < 1 || minLength > seqLength) {
            throw new IllegalArgumentException("need batchSize ≥ 1 and 1 ≤ minLength ≤ seqLength, got batchSize "
                    + batchSize + ", minLength " + minLength + ", seqLength " + seqLength);
        }
        int h = mean.length;
        SplittableRandom r = Seeds.random(seed, step);
        float[] x = new float[Math.multiplyExact(Math.multiplyExact(batchSize, seqLength), h)];
        for (int i = 0; i < x.length; i++) {
            int d = i % h;
            x[i] = (float) (mean[d] + std[d] * Seeds.gaussian(r));
        }
        long[] mask = new long[batchSize * seqLength];
        for (int b = 0; b < batchSize; b++) {
            int len = minLength + r.nextInt(seqLength - minLength + 1);
            Arrays.fill(mask, b * seqLength, b * seqLength + len, 1L);
        }
        return new HiddenBatch(manager.create(x, new Shape(batchSize, seqLength, h)),
                manager.create(mask, new Shape(batchSize, seqLength)));
    }
}
