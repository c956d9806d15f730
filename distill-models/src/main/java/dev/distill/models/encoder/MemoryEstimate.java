package dev.distill.models.encoder;

import ai.djl.Device;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Lower bounds on the memory an encoder needs, so that a configuration asking for the impossible
 * ({@code num_hidden_layers: 1000000}, a 100,000-token sequence) is refused up front with the
 * estimate in the message, instead of running for minutes into an {@link OutOfMemoryError} or a
 * native allocation of a terabyte.
 *
 * <p>Every figure is a lower bound, so a refusal is never wrong: a configuration is refused only
 * when even the bound exceeds the device's memory.
 *
 * <pre>
 * parameters  P = EncoderConfig.parameterCount()                 (embeddings and layers; no head)
 * weights     4·P bytes (float32)
 * forward     b · [ (L+1)·B·T·H                  hidden states ModelOutputs keeps
 *                 + L·( 2·B·heads·T²             attention scores and probabilities, kept
 *                     + 3·B·T·A                  queries, keys, values, kept
 *                     + B·T·F ) ]                the feed-forward activation
 *             with b bytes per element, A = heads · head size, F = intermediate size
 * training    4 · 4·P (weights, gradients, AdamW's two moments) + forward (b = 4)
 * </pre>
 */
public final class MemoryEstimate {

    private MemoryEstimate() {}

    /** Bytes of the encoder's float32 weights: {@code 4 · parameterCount()} (saturates at Long.MAX_VALUE). */
    public static long parameterBytes(EncoderConfig c) {
        return times(4, parameterCount(c));
    }

    /** {@link EncoderConfig#parameterCount()}, saturating instead of overflowing. */
    static long parameterCount(EncoderConfig c) {
        return plus(embeddingParameters(c), times(c.numLayers(), layerParameters(c)));
    }

    /** Word, position and type embeddings and their LayerNorm: {@code (V + P + T_v)·H + 2H}. */
    private static long embeddingParameters(EncoderConfig c) {
        long h = c.hiddenSize();
        return plus(times((long) c.vocabSize() + c.maxPositions() + c.typeVocabSize(), h), 2 * h);
    }

    /** One layer: Q, K, V, attention output, two LayerNorms, the two feed-forward matrices. */
    private static long layerParameters(EncoderConfig c) {
        long h = c.hiddenSize();
        long a = c.allHeadSize();
        long f = c.intermediateSize();
        long attention = plus(times(3, plus(times(h, a), a)), plus(times(a, h), h));
        long ffn = plus(plus(times(h, f), f), plus(times(f, h), h));
        return plus(plus(attention, ffn), 4 * h);
    }

    /**
     * A lower bound on the activation bytes of one forward pass over {@code batch × seq} tokens
     * (see the class comment).
     *
     * @param bytesPerElement 4 for float32, 2 for float16
     */
    public static long forwardBytes(EncoderConfig c, long batch, long seq, int bytesPerElement) {
        long bt = times(batch, seq);
        long hidden = times(c.numLayers() + 1L, times(bt, c.hiddenSize()));
        long attention = times(2L * c.numHeads(), times(batch, times(seq, seq)));
        long perLayer = plus(attention, plus(times(3, times(bt, c.allHeadSize())), times(bt, c.intermediateSize())));
        return times(bytesPerElement, plus(hidden, times(c.numLayers(), perLayer)));
    }

    /**
     * A lower bound on the bytes of training this encoder on {@code batch × seq} tokens in
     * float32 with AdamW: weights, gradients and two moments ({@code 16·P}) plus one forward
     * pass's activations.
     */
    public static long trainingBytes(EncoderConfig c, long batch, long seq) {
        return plus(times(4, parameterBytes(c)), forwardBytes(c, batch, seq, 4));
    }

    /**
     * The memory of {@code device}: the GPU's total memory, or on CPU the physical memory (the
     * container's limit where there is one).
     */
    public static long availableBytes(Device device) {
        if (device != null && device.isGpu()) {
            try {
                long max = ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getMax();
                if (max > 0) {
                    return max;
                }
            } catch (RuntimeException | LinkageError e) {
                // no CUDA query available: fall back to host memory
            }
        }
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Refuses a model whose float32 weights alone cannot fit in {@code device}'s memory.
     *
     * @param source the {@code config.json} (or option) the configuration came from, for the message
     * @throws IllegalArgumentException one line with the estimate, the memory and the keys to check
     */
    public static void requireParametersFit(EncoderConfig c, Device device, String source) {
        long need = parameterBytes(c);
        long have = availableBytes(device);
        if (need > have) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: num_hidden_layers %d, hidden_size %d,"
                    + " intermediate_size %d, vocab_size %d, max_position_embeddings %d describe %s parameters, at"
                    + " least %s as float32 (embeddings %s, %d layers of %s), more than the %s of memory of %s;"
                    + " check these values against the model's weights", source, c.numLayers(), c.hiddenSize(),
                    c.intermediateSize(), c.vocabSize(), c.maxPositions(), count(parameterCount(c)), format(need),
                    format(times(4, embeddingParameters(c))), c.numLayers(), format(times(4, layerParameters(c))),
                    format(have), deviceName(device)));
        }
    }

    /**
     * Refuses {@code needed} bytes when they exceed {@code device}'s memory.
     *
     * @param what what needs them, e.g. {@code "bench --batch 32 --seq 100000 (training step)"}
     * @param fix what to change
     * @throws IllegalArgumentException one line with the estimate, the memory and the fix
     */
    public static void requireFits(long needed, Device device, String what, String fix) {
        long have = availableBytes(device);
        if (needed > have) {
            throw new IllegalArgumentException(what + " needs at least " + format(needed) + " of memory, more than the "
                    + format(have) + " of " + deviceName(device) + "; " + fix);
        }
    }

    /**
     * Refuses a forward pass over {@code batch × seq} tokens whose activations cannot fit: checked
     * by {@link Encoder} before it allocates anything.
     */
    static void requireForward(EncoderConfig c, long batch, long seq, int bytesPerElement, Device device) {
        long need = forwardBytes(c, batch, seq, bytesPerElement);
        if (need > cachedAvailable(device)) {
            requireFits(need, device, "a forward pass over a batch of " + batch + " × " + seq + " tokens ("
                    + c.numLayers() + " layers, " + c.numHeads() + " heads: attention scores of " + batch + "·"
                    + c.numHeads() + "·" + seq + "² per layer)", "use a smaller batch or shorter sequences");
        }
    }

    private static volatile long hostMemory = -1;

    private static long cachedAvailable(Device device) {
        if (device != null && device.isGpu()) {
            return availableBytes(device);
        }
        if (hostMemory < 0) {
            hostMemory = availableBytes(Device.cpu());
        }
        return hostMemory;
    }

    /** Bytes in binary units with three significant digits: {@code 1.13 GiB}, {@code 6.52 TiB}. */
    public static String format(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    private static String count(long n) {
        return n == Long.MAX_VALUE ? "more than 9.2e18" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String deviceName(Device device) {
        return device == null || !device.isGpu() ? "this machine" : "GPU " + device.getDeviceId();
    }

    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long plus(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
