package dev.distill.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.ndarray.types.SparseFormat;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A real (if small) one-layer model for trainer tests, written with DJL ops:
 *
 * <pre>
 * e = dropout(E[ids])                     (B, T, H)
 * s = e·eᵀ/√H + (1 − mask)·(−10000)       (B, 1, T, T)   one "attention" head
 * h = tanh(softmax(s)·e·Wᵀ + b)           (B, T, H)
 * pooled = mean of h over real tokens      (B, H)
 * logits = pooled·Cᵀ                       (B, C)
 * </pre>
 */
final class TinyModel implements TrainableModel {

    final int vocab;
    final int hidden;
    final int classes;
    final float dropout;
    final NDManager manager;
    final Map<String, Parameter> params = new LinkedHashMap<>();

    TinyModel(NDManager manager, int vocab, int hidden, int classes, float dropout, long seed) {
        this.manager = manager;
        this.vocab = vocab;
        this.hidden = hidden;
        this.classes = classes;
        this.dropout = dropout;
        Random r = new Random(seed);
        add("embeddings.weight", r, 0.5f, vocab, hidden);
        add("layer.weight", r, 0.3f, hidden, hidden);
        add("layer.bias", r, 0f, hidden);
        add("classifier.weight", r, 0.3f, classes, hidden);
    }

    private void add(String name, Random r, float std, long... shape) {
        float[] v = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(shape))
                .optInitializer((m, s, t) -> m.create(FloatBuffer.wrap(v), s, DataType.FLOAT32)).build();
        p.initialize(manager, DataType.FLOAT32);
        params.put(name, p);
    }

    NDArray p(String name) {
        return params.get(name).getArray();
    }

    @Override
    public ModelOutputs forward(TokenBatch batch, boolean training) {
        NDArray ids = batch.inputIds();
        NDArray mask = batch.attentionMask();
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        NDArray e = Embedding.embedding(ids, p("embeddings.weight"), SparseFormat.DENSE).singletonOrThrow();
        if (training && dropout > 0) {
            e = Dropout.dropout(e, dropout, true).singletonOrThrow();
        }
        NDArray fmask = mask.toType(DataType.FLOAT32, false);
        NDArray additive = fmask.neg().add(1f).mul(ModelOutputs.MASK_VALUE).reshape(b, 1, 1, t);
        NDArray s = e.matMul(e.transpose(0, 2, 1)).div((float) Math.sqrt(hidden)).reshape(b, 1, t, t).add(additive);
        NDArray probs = s.softmax(-1);
        NDArray ctx = probs.reshape(b, t, t).matMul(e);
        // ops on activations, never on parameters (a result attaches to the receiver's manager)
        NDArray h = Linear.linear(ctx, p("layer.weight"), p("layer.bias")).singletonOrThrow().tanh();
        NDArray m3 = fmask.expandDims(-1);
        NDArray pooled = h.mul(m3).sum(new int[] {1}).div(m3.sum(new int[] {1}));
        NDArray logits = Linear.linear(pooled, p("classifier.weight")).singletonOrThrow();
        return new ModelOutputs(List.of(e, h), List.of(s), List.of(probs), null, null, null, pooled, logits, mask);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return params;
    }

    @Override
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, TensorData.fromNDArray(v.getArray())));
        return out;
    }

    @Override
    public void loadState(Map<String, TensorData> state) {
        List<String> problems = new ArrayList<>();
        for (String k : params.keySet()) {
            if (!state.containsKey(k)) {
                problems.add("missing " + k);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.toString());
        }
        params.forEach((k, v) -> v.getArray().set(FloatBuffer.wrap(state.get(k).toFloats())));
    }

    @Override
    public ModelDims dims() {
        return new ModelDims(1, hidden, 1, hidden, vocab);
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public String configFingerprint() {
        return "tiny:" + vocab + "x" + hidden + "x" + classes + ":" + dropout;
    }

    @Override
    public String description() {
        return "TinyModel{" + configFingerprint() + "}";
    }

    /** A frozen view of a TinyModel (parameters without gradients, inference mode). */
    static FrozenTeacher frozen(TinyModel m, String fingerprint) {
        m.params.values().forEach(p -> p.getArray().setRequiresGradient(false));
        return new FrozenTeacher() {
            @Override
            public ModelOutputs forward(TokenBatch batch) {
                return m.forward(batch, false);
            }

            @Override
            public ModelDims dims() {
                return m.dims();
            }

            @Override
            public String fingerprint() {
                return fingerprint;
            }

            @Override
            public Device device() {
                return m.device();
            }
        };
    }

    /** Every parameter as a flat float array, by name. */
    Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.getArray().toFloatArray()));
        return out;
    }
}
