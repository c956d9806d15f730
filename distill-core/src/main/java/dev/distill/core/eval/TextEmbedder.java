package dev.distill.core.eval;

import java.util.List;

/** Maps texts to fixed-size vectors (one row per text, in input order). */
@FunctionalInterface
public interface TextEmbedder {
    /**
     * Embeds the texts.
     *
     * @param texts the texts
     * @return one vector per text, in input order, all of the same length
     */
    float[][] embed(List<String> texts);
}
