package dev.distill.core.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a safetensors file: its tensors by name, in the order of the file's header,
 * and the free-form {@code __metadata__} strings (empty when the file has none).
 *
 * @param tensors name → tensor, unmodifiable, header order
 * @param metadata the {@code __metadata__} map, unmodifiable
 */
public record SafeTensorsFile(Map<String, TensorData> tensors, Map<String, String> metadata) {

    /**
     * Copies both maps, keeping their order.
     *
     * @param tensors name → tensor
     * @param metadata the metadata strings
     * @throws NullPointerException if a map is null
     */
    public SafeTensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors")));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metadata, "metadata")));
    }

    /**
     * The tensor called {@code name}.
     *
     * @param name the tensor's name in the header
     * @return the tensor
     * @throws IllegalArgumentException if there is none; the message lists the names there are
     */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'; the file has "
                    + (tensors.size() <= 20 ? tensors.keySet().toString() : tensors.size() + " tensors"));
        }
        return t;
    }
}
