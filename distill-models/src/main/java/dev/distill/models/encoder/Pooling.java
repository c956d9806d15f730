package dev.distill.models.encoder;

import java.util.Locale;

/** How a sentence embedding is read off the last hidden state. */
public enum Pooling {
    /** The [CLS] token's vector, {@code h[:, 0]} (BGE, BERT). */
    CLS,
    /** The mean over real (non-padding) tokens (Sentence-Transformers' MiniLM models). */
    MEAN;

    /**
     * Parses {@code cls} or {@code mean}, case-insensitively.
     *
     * @param name {@code cls} or {@code mean}, surrounding spaces ignored
     * @return the pooling
     * @throws IllegalArgumentException for any other name
     */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pooling '" + name + "' is unknown; use cls or mean", e);
        }
    }
}
