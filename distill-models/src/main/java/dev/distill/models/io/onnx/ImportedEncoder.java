package dev.distill.models.io.onnx;

import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.EncoderConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pretrained encoder weights imported from another format, under Hugging Face {@code BertModel}
 * parameter names (no {@code bert.} prefix) and in PyTorch layouts (a Linear weight is
 * {@code [out, in]}).
 *
 * @param config the configuration inferred from the file
 * @param tensors by Hugging Face name, in {@code BertModel.state_dict()} order: embeddings, then
 *     each layer's query, key, value, attention output, intermediate, output; then the pooler if
 *     the file has one. Each tensor owns its bytes (nothing is shared with the file)
 * @param source the file or resource read
 * @param notes how each hyper-parameter that a shape cannot tell was found (heads, epsilon,
 *     activation), and what was left out; for logs and provenance
 */
public record ImportedEncoder(EncoderConfig config, Map<String, TensorData> tensors, String source,
        List<String> notes) {

    /**
     * Copies the map and the notes.
     *
     * @param config the configuration inferred from the file
     * @param tensors by Hugging Face name; copied in order
     * @param source the file or resource read
     * @param notes how hyper-parameters were found
     * @throws NullPointerException if an argument is null
     */
    public ImportedEncoder {
        Objects.requireNonNull(config, "config");
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        Objects.requireNonNull(source, "source");
        notes = List.copyOf(notes);
    }

    /**
     * The tensor with this Hugging Face name; throws naming the valid names when absent.
     *
     * @param hfName e.g. {@code encoder.layer.0.attention.self.query.weight}
     * @return the tensor
     * @throws IllegalArgumentException if no tensor has that name
     */
    public TensorData tensor(String hfName) {
        TensorData t = tensors.get(hfName);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + hfName + "' imported from " + source
                    + "; names are: " + tensors.keySet());
        }
        return t;
    }

    /**
     * Whether {@code pooler.dense.weight} and {@code pooler.dense.bias} were imported.
     *
     * @return true when the file held the pooler
     */
    public boolean hasPooler() {
        return tensors.containsKey("pooler.dense.weight");
    }
}
