package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * int8 dynamic quantisation run by ONNX Runtime. One quantised MatMul on real weights and real
 * activations stays within the error bound derived from its quantisation steps; the whole
 * quantised bge-small stays close to float32 (the bound is stated in the test and docs/deploy.md).
 */
class Int8ExportTest {

    static LoadedModel teacher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        teacher = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 128);
    }

    @AfterAll
    static void close() {
        teacher.close();
    }

    @Test
    void quantisedMatMulIsWithinItsDerivedBound() throws Exception {
        // real weights: layer 1's FFN input projection (1536 x 384, PyTorch [out, in]); real inputs: layer 0's output
        TensorData wt = teacher.encoder().stateDict().get("encoder.layer.1.intermediate.dense.weight");
        int out = Math.toIntExact(wt.shape()[0]);
        int in = Math.toIntExact(wt.shape()[1]);
        float[] src = wt.toFloats();
        float[] w = new float[src.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[i * out + o] = src[o * in + i];
            }
        }
        float[] x;
        int rows;
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch b = teacher.tokenizer().batch(OnnxExporterRealModelTest.SENTENCES.subList(0, 1), m);
            ModelOutputs o = teacher.encoder().forward(b, false);
            x = o.hiddenStates().get(1).toFloatArray();
            rows = x.length / in;
        }
        OnnxGraphBuilder g = new OnnxGraphBuilder("one_matmul", OnnxExporter.OPSET);
        g.input("x", OnnxGraphBuilder.FLOAT, "rows", (long) in);
        String y = OnnxExporter.int8MatMul(g, "x", "m", w, in, out, "/m/");
        g.nodeWithOutputs("Identity", "/y", java.util.List.of(y), new String[] {"y"});
        g.output("y", OnnxGraphBuilder.FLOAT, "rows", (long) out);
        Path file = tmp.resolve("one.onnx");
        g.write(file, Long.MAX_VALUE, "test", Map.of());

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] got = new float[rows * out];
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
                OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, in});
                OrtSession.Result r = s.run(Map.of("x", xt))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(got);
        }
        // DynamicQuantizeLinear: range includes 0, s_x = (max - min) / 255
        float lo = 0;
        float hi = 0;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double sx = (hi - lo) / 255.0;
        Int8Weights q = Int8Weights.quantize(w, in, out);
        double worstRatio = 0;
        double worstErr = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                double exact = 0;
                double bound = 0;
                double sj = q.scales()[j];
                for (int i = 0; i < in; i++) {
                    double xi = x[r * in + i];
                    double wij = w[i * out + j];
                    exact += xi * wij;
                    bound += Math.abs(xi) * sj / 2 + Math.abs(wij) * sx + sx * sj / 2;
                }
                bound += 1e-5 * (Math.abs(exact) + 1); // float32 rescaling
                double err = Math.abs(got[r * out + j] - exact);
                worstErr = Math.max(worstErr, err);
                worstRatio = Math.max(worstRatio, err / bound);
                assertTrue(err <= bound, "row " + r + " col " + j + ": error " + err + " exceeds the bound " + bound);
            }
        }
        System.out.printf("int8 MatMul (%d x %d, %d rows): max error %.3g, at most %.1f%% of its bound%n", in, out, rows,
                worstErr, 100 * worstRatio);
    }

    @Test
    void quantisedBgeStaysCloseToFloat() throws Exception {
        Path fp32 = tmp.resolve("fp32.onnx");
        Path int8 = tmp.resolve("int8.onnx");
        OnnxExporter.export(teacher.encoder(), fp32, OnnxExporter.Precision.FLOAT32, Map.of());
        OnnxExporter.export(teacher.encoder(), int8, OnnxExporter.Precision.INT8, Map.of());
        double ratio = (double) Files.size(int8) / Files.size(fp32);
        // Linear weights go from 4 bytes to 1 (plus a float scale per output); embeddings, biases, LayerNorms stay float32
        long linear = 0;
        long scales = 0;
        for (Map.Entry<String, TensorData> e : teacher.encoder().stateDict().entrySet()) {
            if (e.getKey().endsWith(".weight") && e.getValue().shape().length == 2 && !e.getKey().startsWith("embeddings.")) {
                linear += e.getValue().numElements();
                scales += e.getValue().shape()[0];
            }
        }
        long params = teacher.encoder().parameterCount();
        long expected = 4 * (params - linear) + linear + 4 * scales;
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch batch = teacher.tokenizer().batch(OnnxExporterRealModelTest.SENTENCES, m);
            float[] a = OrtRun.run(fp32, batch).get(OnnxExporter.SENTENCE_EMBEDDING);
            float[] b = OrtRun.run(int8, batch).get(OnnxExporter.SENTENCE_EMBEDDING);
            int h = teacher.encoder().config().hiddenSize();
            double worst = 1;
            for (int s = 0; s < a.length / h; s++) {
                double dot = 0;
                for (int k = 0; k < h; k++) {
                    dot += a[s * h + k] * b[s * h + k]; // both unit length
                }
                worst = Math.min(worst, dot);
            }
            System.out.printf("int8 bge-small: file %.2f of float32, min cosine to float32 %.5f%n", ratio, worst);
            double excess = (double) Files.size(int8) / expected - 1;
            assertTrue(excess >= 0 && excess < 0.01, "int8 file is " + Files.size(int8) + " bytes, expected the "
                    + expected + " of its weights plus under 1% of graph");
            assertTrue(worst >= 0.99, "an int8 sentence embedding has cosine " + worst + " to float32 (bound 0.99)");
        }
    }
}
