package dev.distill.models.inference;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.distill.models.LoadedModel;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.Objects;

/**
 * A DJL {@link Translator} from a text to its sentence embedding, for {@code Predictor<String,
 * float[]>} users: it tokenises with the model's {@code tokenizer.json}, feeds
 * {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (named, shape (1, T)),
 * takes the first output as the last hidden state (1, T, H), pools it ([CLS] or the mean over
 * real tokens) and L2-normalises it.
 *
 * <p>It serves both engines: distill's own encoder as a DJL block ({@link #zooModel}, PyTorch
 * engine) and an exported {@code model.onnx} on DJL's OnnxRuntime engine, whose first output is
 * {@code last_hidden_state}:
 *
 * <pre>{@code
 * Criteria<String, float[]> criteria = Criteria.builder().setTypes(String.class, float[].class)
 *         .optModelPath(Path.of("export/model.onnx")).optEngine("OnnxRuntime")
 *         .optTranslator(new SentenceEmbeddingTranslator(TextTokenizer.load(Path.of("export"), 512), Pooling.CLS))
 *         .build();
 * try (ZooModel<String, float[]> model = criteria.loadModel(); Predictor<String, float[]> p = model.newPredictor()) {
 *     float[] v = p.predict("A man is playing a guitar.");
 * }
 * }</pre>
 *
 * <p>Pooling runs on the host in float32 ({@code toFloatArray}), so it needs no operator of the
 * engine beyond the forward pass. Texts are embedded one per forward pass (no batchifier: lengths
 * differ); {@link LoadedModel#embed} batches.
 */
public final class SentenceEmbeddingTranslator implements Translator<String, float[]> {

    private static final String MASK = "distill.mask";

    private final TextTokenizer tokenizer;
    private final Pooling pooling;

    /**
     * @param tokenizer the model's tokenizer (not closed by the translator)
     * @param pooling the model's pooling
     */
    public SentenceEmbeddingTranslator(TextTokenizer tokenizer, Pooling pooling) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.pooling = Objects.requireNonNull(pooling, "pooling");
    }

    /**
     * A DJL model whose block is {@code loaded}'s encoder, with this translator: {@code
     * model.newPredictor().predict(text)}. Closing the returned model does not free the weights
     * (the {@link LoadedModel} owns them).
     */
    public static ZooModel<String, float[]> zooModel(LoadedModel loaded) {
        Model model = Model.newInstance(loaded.source(), loaded.manager().getDevice());
        model.setBlock(loaded.encoder());
        return new ZooModel<>(model, new SentenceEmbeddingTranslator(loaded.tokenizer(), loaded.pooling()));
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String input) {
        Encoding e = tokenizer.encode(input);
        NDManager m = ctx.getNDManager();
        long[] mask = e.getAttentionMask();
        ctx.setAttachment(MASK, mask);
        NDArray ids = m.create(e.getIds()).expandDims(0);
        ids.setName("input_ids");
        NDArray am = m.create(mask).expandDims(0);
        am.setName("attention_mask");
        NDArray types = m.create(e.getTypeIds()).expandDims(0);
        types.setName("token_type_ids");
        return new NDList(ids, am, types);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        long[] mask = (long[]) ctx.getAttachment(MASK);
        float[] hidden = list.get(0).toFloatArray(); // (1, T, H)
        int t = mask.length;
        int h = hidden.length / t;
        float[] v = new float[h];
        if (pooling == Pooling.CLS) {
            System.arraycopy(hidden, 0, v, 0, h);
        } else {
            int n = 0;
            for (int i = 0; i < t; i++) {
                if (mask[i] != 0) {
                    n++;
                    for (int k = 0; k < h; k++) {
                        v[k] += hidden[i * h + k];
                    }
                }
            }
            for (int k = 0; k < h; k++) {
                v[k] /= Math.max(n, 1);
            }
        }
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
        for (int k = 0; k < h; k++) {
            v[k] *= scale;
        }
        return v;
    }

    @Override
    public Batchifier getBatchifier() {
        return null;
    }
}
