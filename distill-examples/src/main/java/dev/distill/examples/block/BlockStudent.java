package dev.distill.examples.block;

import ai.djl.nn.Parameter;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.train.EncoderBackedModel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable side of block distillation: the Transformer layers of an {@link Encoder} run by
 * {@link Encoder#forwardHidden} on a {@link BlockBatch}'s hidden states.
 *
 * <p>The trained set, checkpoints and the parameter count are the layers only ({@code
 * encoder.layer.*}): the encoder's embedding tables stay in the model, frozen, so that the
 * student exports as a loadable Hugging Face BERT (the teacher's embeddings followed by the
 * approximate block), but the block never uses them and they are neither optimised nor saved in
 * checkpoints.
 */
public final class BlockStudent extends EncoderBackedModel {

    /** The name prefix of the block's parameters. */
    public static final String LAYER_PREFIX = "encoder.layer.";

    private final Map<String, Parameter> layers;

    /** Wraps {@code encoder} (parameters initialised): layers trainable, embeddings frozen. */
    public BlockStudent(Encoder encoder) {
        super(requireInitialised(encoder, "the block student's parameters are not initialised; build it with"
                + " Students.fromConfig or load weights first"), sha256("block|" + encoder.config()));
        Map<String, Parameter> l = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : encoder.namedParameters().entrySet()) {
            boolean layer = e.getKey().startsWith(LAYER_PREFIX);
            e.getValue().getArray().setRequiresGradient(layer);
            if (layer) {
                l.put(e.getKey(), e.getValue());
            }
        }
        if (l.isEmpty()) {
            throw new IllegalArgumentException("the block student has no layers (" + encoder.config()
                    + "); give it at least one");
        }
        this.layers = Collections.unmodifiableMap(l);
    }

    /** Scalar parameters of the block (layers only). */
    public long blockParameterCount() {
        return countLayerParameters(encoder);
    }

    /** Scalar parameters of an encoder's Transformer layers, embeddings and head excluded. */
    public static long countLayerParameters(Encoder e) {
        long n = 0;
        for (Map.Entry<String, Parameter> p : e.namedParameters().entrySet()) {
            if (p.getKey().startsWith(LAYER_PREFIX)) {
                n += p.getValue().getShape().size();
            }
        }
        return n;
    }

    @Override
    public ModelOutputs forward(TokenBatch batch, boolean training) {
        return encoder.forwardHidden(BlockBatch.hidden(batch), batch.attentionMask(), training);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return layers;
    }

    @Override
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            out.put(e.getKey(), TensorData.fromNDArray(e.getValue().getArray()));
        }
        return out;
    }

    @Override
    public void loadState(Map<String, TensorData> state) {
        List<String> missing = new ArrayList<>();
        for (String name : layers.keySet()) {
            if (!state.containsKey(name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : state.keySet()) {
            if (!layers.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException("block state does not fit " + encoder.config() + ": missing "
                    + missing + ", unexpected " + unexpected + "; it was saved from another block shape");
        }
        encoder.loadState(manager(), state, false); // non-strict: embeddings are not part of the state
    }

    @Override
    public String description() {
        return "block of " + encoder.config().numLayers() + " layer(s), " + encoder.config().numHeads() + " heads × "
                + encoder.config().headSize() + ", ffn " + encoder.config().intermediateSize() + ", "
                + blockParameterCount() + " parameters";
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
