package dev.distill.core.eval;

import java.util.List;

/** Maps texts to fixed-size vectors (one row per text, in input order). */
@FunctionalInterface
public interface TextEmbedder {
    float[][] embed(List<String> texts);
}
