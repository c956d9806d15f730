package dev.distill.models.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.encoder.Activations;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Statistics of a teacher's activations on calibration text, from which every pruning score is
 * derived ({@link ImportanceScore}, {@link LayerSelection}). One pass over the calibration text
 * measures everything, so several scorings can be compared without running the teacher again.
 *
 * <p>With E the mean over real (unpadded) calibration tokens, L layers, A heads of width d, FFN
 * width F and hidden width H, for teacher layer l with input h_l (B, T, H):
 *
 * <pre>
 * ctx_h      = p_h · v_h                                      (B, A, T, d) per-head context
 * a_l        = LN(ctx·W_oᵀ + b_o + h_l)                        (B, T, H)   attention LayerNorm output
 * act_l      = act(a_l·W_iᵀ + b_i)                             (B, T, F)   FFN activations
 *
 * headOutputNorm[l][h]        = E ‖ctx_h‖₂
 * headContributionNorm[l][h]  = E ‖ctx_h·W_{o,h}ᵀ‖₂             W_{o,h} = W_o[:, h·d:(h+1)·d]
 * queryAbs/keyAbs/contextAbs[l][h][i] = E |q_{h,i}|, E |k_{h,i}|, E |ctx_{h,i}|
 * neuronAbs[l][j]             = E |act_{l,j}|
 * channelAbs[c]               = Σ over all 2L+1 LayerNorm outputs (embeddings, every a_l, every h_{l+1}) of E |x_c|
 * blockInfluence[l]           = 1 − E cos(h_l, h_{l+1})       (ShortGPT)
 * outputColumnNorm[l][j]      = ‖W_o[:, j]‖₂,  ffnOutputColumnNorm[l][j] = ‖W_{o2}[:, j]‖₂
 * </pre>
 *
 * <p>Hidden channels are shared by every layer through the residual stream, so one score must
 * cover all of them: the magnitude a channel carries at every point where the stream is
 * normalised (Minitron's embedding-channel score; LayerNorm gains are included because the
 * outputs are measured after them).
 */
public final class CalibrationStats {

    private final EncoderConfig config;
    private final int texts;
    private final long tokens;
    private final double[] blockInfluence;
    private final double[][] headOutputNorm;
    private final double[][] headContributionNorm;
    private final double[][][] queryAbs;
    private final double[][][] keyAbs;
    private final double[][][] contextAbs;
    private final double[][] neuronAbs;
    private final double[] channelAbs;
    private final double[][] outputColumnNorm;
    private final double[][] ffnOutputColumnNorm;

    private CalibrationStats(Accumulator a) {
        double n = a.tokens;
        config = a.config;
        texts = a.texts;
        tokens = a.tokens;
        blockInfluence = new double[a.cosSum.length];
        for (int l = 0; l < blockInfluence.length; l++) {
            blockInfluence[l] = 1 - a.cosSum[l] / n;
        }
        headOutputNorm = scale(a.headOut, n);
        headContributionNorm = scale(a.headContrib, n);
        queryAbs = scale(a.qAbs, n);
        keyAbs = scale(a.kAbs, n);
        contextAbs = scale(a.ctxAbs, n);
        neuronAbs = scale(a.neuronAbs, n);
        channelAbs = scale(a.channelAbs, n);
        outputColumnNorm = a.outputColumnNorm;
        ffnOutputColumnNorm = a.ffnOutputColumnNorm;
    }

    /**
     * Runs the teacher (inference, no dropout) over the calibration texts and collects the
     * statistics. Texts are sorted by length and batched so that little padding is computed;
     * padding never enters a mean.
     *
     * @param teacher the encoder to measure, with initialised weights
     * @param tokenizer the teacher's tokenizer
     * @param texts the calibration texts, at least one
     * @param manager the teacher's manager (batches go to its device)
     * @param batchSize texts per forward pass, &gt; 0
     * @return the statistics, averaged over the real tokens of all texts
     * @throws IllegalArgumentException if there is no text or the batch size is not positive
     */
    public static CalibrationStats measure(Encoder teacher, TextTokenizer tokenizer, List<String> texts,
            NDManager manager, int batchSize) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration needs at least one text; got none");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be positive");
        }
        List<String> sorted = new ArrayList<>(texts);
        sorted.sort(Comparator.comparingInt(String::length));
        try (Accumulator acc = new Accumulator(teacher, manager)) {
            for (int start = 0; start < sorted.size(); start += batchSize) {
                List<String> chunk = sorted.subList(start, Math.min(sorted.size(), start + batchSize));
                try (NDManager step = manager.newSubManager()) {
                    acc.add(tokenizer.batch(chunk, step));
                }
            }
            return acc.finish();
        }
    }

    /**
     * Collects statistics batch by batch, for callers that bring their own {@link TokenBatch}es.
     * Close it to free the reshaped weights it keeps.
     */
    public static final class Accumulator implements AutoCloseable {
        private final Encoder teacher;
        private final EncoderConfig config;
        private final NDManager own;
        private final NDArray[] perHeadOutput; // (A, d, H) per layer: W_o split by the head it reads
        private final double[][] outputColumnNorm;
        private final double[][] ffnOutputColumnNorm;
        private final double[] cosSum;
        private final double[][] headOut;
        private final double[][] headContrib;
        private final double[][][] qAbs;
        private final double[][][] kAbs;
        private final double[][][] ctxAbs;
        private final double[][] neuronAbs;
        private final double[] channelAbs;
        private long tokens;
        private int texts;
        private boolean checked;

        /**
         * Starts empty statistics for {@code teacher}; close it to free what it keeps.
         *
         * @param teacher the encoder to measure, with initialised weights
         * @param manager the teacher's manager; a sub-manager holds what this keeps
         */
        public Accumulator(Encoder teacher, NDManager manager) {
            this.teacher = teacher;
            this.config = teacher.config();
            int layers = config.numLayers();
            int a = config.numHeads();
            int d = config.headSize();
            int h = config.hiddenSize();
            int f = config.intermediateSize();
            own = manager.newSubManager();
            perHeadOutput = new NDArray[layers];
            outputColumnNorm = new double[layers][];
            ffnOutputColumnNorm = new double[layers][];
            for (int l = 0; l < layers; l++) {
                NDArray wo = param(l, "attention.output.dense.weight").getArray(); // (H, A·d)
                // reshape attaches to the parameter's manager; move it to ours at once
                NDArray split = wo.reshape(h, a, d).transpose(1, 2, 0);
                split.attach(own);
                perHeadOutput[l] = split;
                outputColumnNorm[l] = columnNorms(wo.toFloatArray(), h, a * d);
                ffnOutputColumnNorm[l] = columnNorms(param(l, "output.dense.weight").getArray().toFloatArray(), h, f);
            }
            cosSum = new double[layers];
            headOut = new double[layers][a];
            headContrib = new double[layers][a];
            qAbs = new double[layers][a][d];
            kAbs = new double[layers][a][d];
            ctxAbs = new double[layers][a][d];
            neuronAbs = new double[layers][f];
            channelAbs = new double[h];
        }

        private Parameter param(int layer, String suffix) {
            Map<String, Parameter> named = teacher.namedParameters();
            return named.get("encoder.layer." + layer + "." + suffix);
        }

        /**
         * Adds one batch (on the teacher's device); its arrays stay owned by the batch's manager.
         *
         * @param batch a (B, T) batch tokenised for the teacher
         */
        public void add(TokenBatch batch) {
            ModelOutputs o = teacher.forward(batch, false);
            int b = batch.batchSize();
            int t = batch.sequenceLength();
            int a = config.numHeads();
            int d = config.headSize();
            int h = config.hiddenSize();
            NDArray m = batch.attentionMask().toType(DataType.FLOAT32, false); // (B, T)
            NDArray m3 = m.reshape(b, t, 1);
            NDArray mHead = m.reshape(b, 1, t);
            NDArray m4 = m.reshape(b, 1, t, 1);
            tokens += Math.round(m.sum().getFloat());
            texts += b;
            int[] batchAndTime = {0, 1};
            int[] batchAndQuery = {0, 2};
            addTo(channelAbs, o.hiddenStates().get(0).abs().mul(m3).sum(batchAndTime));
            for (int l = 0; l < config.numLayers(); l++) {
                NDArray x = o.hiddenStates().get(l);
                NDArray y = o.hiddenStates().get(l + 1);
                NDArray ctx = o.attentionProbs().get(l).matMul(o.values().get(l)); // (B, A, T, d)
                addTo(headOut[l], ctx.norm(new int[] {3}).mul(mHead).sum(batchAndQuery));
                NDArray contribution = ctx.matMul(perHeadOutput[l]); // (B, A, T, H)
                addTo(headContrib[l], contribution.norm(new int[] {3}).mul(mHead).sum(batchAndQuery));
                addTo(qAbs[l], o.queries().get(l).abs().mul(m4).sum(batchAndQuery));
                addTo(kAbs[l], o.keys().get(l).abs().mul(m4).sum(batchAndQuery));
                addTo(ctxAbs[l], ctx.abs().mul(m4).sum(batchAndQuery));
                NDArray flat = ctx.transpose(0, 2, 1, 3).reshape(b, t, (long) a * d);
                NDArray attn = linear(flat, l, "attention.output.dense");
                NDArray an = layerNorm(attn.add(x), l, "attention.output.LayerNorm");
                addTo(channelAbs, an.abs().mul(m3).sum(batchAndTime));
                addTo(channelAbs, y.abs().mul(m3).sum(batchAndTime));
                NDArray act = Activations.apply(linear(an, l, "intermediate.dense"), config.hiddenAct()); // (B, T, F)
                addTo(neuronAbs[l], act.abs().mul(m3).sum(batchAndTime));
                NDArray cos = x.mul(y).sum(new int[] {2})
                        .div(Scalars.maximum(x.norm(new int[] {2}).mul(y.norm(new int[] {2})), 1e-12f));
                cosSum[l] += cos.mul(m).sum().getFloat();
                if (!checked) {
                    checkRecomputation(l, an, act, y, m3);
                }
            }
            checked = true;
        }

        /**
         * The statistics above recompute the attention LayerNorm output and the FFN activations
         * from the teacher's weights. On the first batch, the layer output rebuilt from them must
         * match the encoder's own, or the encoder computes something this class does not model.
         */
        private void checkRecomputation(int l, NDArray an, NDArray act, NDArray y, NDArray m3) {
            NDArray rebuilt = layerNorm(linear(act, l, "output.dense").add(an), l, "output.LayerNorm");
            float diff = rebuilt.sub(y).abs().mul(m3).max().getFloat();
            float scale = Math.max(1f, y.abs().max().getFloat());
            if (!(diff <= 1e-3f * scale)) {
                throw new IllegalStateException("layer " + l + " output rebuilt from its weights differs from the"
                        + " encoder's by " + diff + "; the importance statistics assume a post-LN BERT layer");
            }
        }

        private NDArray linear(NDArray x, int l, String module) {
            return Linear.linear(x, param(l, module + ".weight").getArray(), param(l, module + ".bias").getArray())
                    .singletonOrThrow();
        }

        private NDArray layerNorm(NDArray x, int l, String module) {
            return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), param(l, module + ".weight").getArray(),
                    param(l, module + ".bias").getArray(), config.layerNormEps()).singletonOrThrow();
        }

        /**
         * The statistics so far.
         *
         * @return the statistics, averaged over every token added
         * @throws IllegalStateException if no token was added
         */
        public CalibrationStats finish() {
            if (tokens == 0) {
                throw new IllegalStateException("no calibration tokens were seen; add at least one non-empty batch");
            }
            return new CalibrationStats(this);
        }

        @Override
        public void close() {
            own.close();
        }
    }

    private static void addTo(double[] acc, NDArray values) {
        float[] v = values.toFloatArray();
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    private static void addTo(double[][] acc, NDArray values) {
        float[] v = values.toFloatArray();
        int k = 0;
        for (double[] row : acc) {
            for (int i = 0; i < row.length; i++) {
                row[i] += v[k++];
            }
        }
    }

    /** ‖W[:, j]‖₂ of a row-major (rows, cols) matrix. */
    static double[] columnNorms(float[] w, int rows, int cols) {
        double[] out = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = w[r * cols + c];
                out[c] += v * v;
            }
        }
        for (int c = 0; c < cols; c++) {
            out[c] = Math.sqrt(out[c]);
        }
        return out;
    }

    private static double[] scale(double[] v, double n) {
        return Arrays.stream(v).map(x -> x / n).toArray();
    }

    private static double[][] scale(double[][] v, double n) {
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = scale(v[i], n);
        }
        return out;
    }

    private static double[][][] scale(double[][][] v, double n) {
        double[][][] out = new double[v.length][][];
        for (int i = 0; i < v.length; i++) {
            out[i] = scale(v[i], n);
        }
        return out;
    }

    /** {@return the teacher's configuration these statistics describe} */
    public EncoderConfig config() {
        return config;
    }

    /**
     * Calibration texts seen.
     *
     * @return the number of texts
     */
    public int texts() {
        return texts;
    }

    /**
     * Real (unpadded) calibration tokens seen.
     *
     * @return the number of tokens the means run over
     */
    public long tokens() {
        return tokens;
    }

    /**
     * ShortGPT's Block Influence per teacher layer, {@code 1 − E cos(input, output)}.
     *
     * @return a new array of L values in [0, 2], layer 0 first
     */
    public double[] blockInfluence() {
        return blockInfluence.clone();
    }

    /**
     * E‖ctx_h‖₂ per layer and head.
     *
     * @return a new (L, A) array
     */
    public double[][] headOutputNorm() {
        return deepCopy(headOutputNorm);
    }

    /**
     * E‖ctx_h·W_{o,h}ᵀ‖₂ per layer and head.
     *
     * @return a new (L, A) array
     */
    public double[][] headContributionNorm() {
        return deepCopy(headContributionNorm);
    }

    /**
     * E|act_j| per layer and FFN neuron.
     *
     * @return a new (L, FFN width) array
     */
    public double[][] neuronAbs() {
        return deepCopy(neuronAbs);
    }

    /**
     * Σ over the 2L+1 LayerNorm outputs of E|x_c|, per hidden channel.
     *
     * @return a new array of H values
     */
    public double[] channelAbs() {
        return channelAbs.clone();
    }

    /**
     * Head scores per layer under {@code score}: {@link ImportanceScore#ACTIVATION} the context
     * norm, {@link ImportanceScore#CONTRIBUTION} the projected contribution norm.
     *
     * @param score which score
     * @return a new (L, A) array; higher means more important
     */
    public double[][] headScores(ImportanceScore score) {
        return deepCopy(score == ImportanceScore.ACTIVATION ? headOutputNorm : headContributionNorm);
    }

    /**
     * FFN neuron scores per layer: E|act_j|, times ‖W_{o2}[:, j]‖₂ under CONTRIBUTION.
     *
     * @param score which score
     * @return a new (L, FFN width) array; higher means more important
     */
    public double[][] neuronScores(ImportanceScore score) {
        if (score == ImportanceScore.ACTIVATION) {
            return deepCopy(neuronAbs);
        }
        double[][] out = new double[neuronAbs.length][];
        for (int l = 0; l < out.length; l++) {
            out[l] = new double[neuronAbs[l].length];
            for (int j = 0; j < out[l].length; j++) {
                out[l][j] = neuronAbs[l][j] * ffnOutputColumnNorm[l][j];
            }
        }
        return out;
    }

    /**
     * Query/key dimension scores of one head: E|q_i|·E|k_i|, the mean of |q_{t,i}·k_{t',i}| over
     * all token pairs when queries and keys are averaged independently, i.e. how much dimension
     * i adds to the attention scores.
     *
     * @param layer the 0-based layer
     * @param head the 0-based head
     * @return a new array of d values
     */
    public double[] queryKeyDimScores(int layer, int head) {
        double[] out = new double[queryAbs[layer][head].length];
        for (int i = 0; i < out.length; i++) {
            out[i] = queryAbs[layer][head][i] * keyAbs[layer][head][i];
        }
        return out;
    }

    /**
     * Value dimension scores of one head: E|ctx_i|, times ‖W_o[:, h·d + i]‖₂ under CONTRIBUTION.
     *
     * @param layer the 0-based layer
     * @param head the 0-based head
     * @param score which score
     * @return a new array of d values
     */
    public double[] valueDimScores(int layer, int head, ImportanceScore score) {
        double[] out = contextAbs[layer][head].clone();
        if (score == ImportanceScore.CONTRIBUTION) {
            int d = out.length;
            for (int i = 0; i < d; i++) {
                out[i] *= outputColumnNorm[layer][head * d + i];
            }
        }
        return out;
    }

    private static double[][] deepCopy(double[][] v) {
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i].clone();
        }
        return out;
    }
}
