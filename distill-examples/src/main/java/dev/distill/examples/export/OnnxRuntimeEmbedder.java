package dev.distill.examples.export;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.core.eval.TextEmbedder;
import dev.distill.models.io.onnx.OnnxExporter;
import dev.distill.models.tokenizer.TextTokenizer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from an exported {@code model.onnx} run by ONNX Runtime, as a Java service
 * would run it: the model's tokenizer, batches of similar length padded to the longest, the
 * graph's {@code sentence_embedding} output (pooled and L2-normalised inside the graph). All
 * graph optimisations on; {@code threads} intra-op threads; spinning off when
 * {@code OMP_WAIT_POLICY=PASSIVE} (a shared machine), as distill's own runs do.
 */
final class OnnxRuntimeEmbedder implements TextEmbedder, AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final int batchSize;

    OnnxRuntimeEmbedder(Path model, TextTokenizer tokenizer, int batchSize, int threads) throws OrtException {
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            boolean passive = "PASSIVE".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY"));
            o.addConfigEntry("session.intra_op.allow_spinning", passive ? "0" : "1");
            this.session = env.createSession(model.toString(), o);
        }
        if (!session.getOutputNames().contains(OnnxExporter.SENTENCE_EMBEDDING)) {
            session.close();
            throw new IllegalArgumentException(model + " has no '" + OnnxExporter.SENTENCE_EMBEDDING + "' output (outputs: "
                    + session.getOutputNames() + "); export it with ./distill export --format onnx");
        }
    }

    @Override
    public float[][] embed(List<String> texts) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> texts.get(i).length()).reversed());
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            Encoding[] enc = new Encoding[end - start];
            int len = 0;
            for (int i = start; i < end; i++) {
                enc[i - start] = tokenizer.encode(texts.get(order[i]));
                len = Math.max(len, enc[i - start].getIds().length);
            }
            int b = enc.length;
            long[] ids = new long[b * len];
            long[] mask = new long[b * len];
            long[] types = new long[b * len];
            for (int i = 0; i < b; i++) {
                System.arraycopy(enc[i].getIds(), 0, ids, i * len, enc[i].getIds().length);
                System.arraycopy(enc[i].getAttentionMask(), 0, mask, i * len, enc[i].getAttentionMask().length);
                System.arraycopy(enc[i].getTypeIds(), 0, types, i * len, enc[i].getTypeIds().length);
            }
            float[] flat = run(ids, mask, types, b, len);
            int dim = flat.length / b;
            for (int i = start; i < end; i++) {
                out[order[i]] = Arrays.copyOfRange(flat, (i - start) * dim, (i - start + 1) * dim);
            }
        }
        return out;
    }

    private float[] run(long[] ids, long[] mask, long[] types, int b, int len) {
        long[] shape = {b, len};
        try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
                OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t),
                        java.util.Set.of(OnnxExporter.SENTENCE_EMBEDDING))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] v = new float[fb.remaining()];
            fb.get(v);
            return v;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + b + " x " + len + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
