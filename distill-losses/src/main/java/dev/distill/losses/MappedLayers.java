package dev.distill.losses;

/** Which mapped Transformer layers a layer-wise loss compares (pairs from the layer mapping g). */
public enum MappedLayers {
    /** Every student layer m = 1..M against teacher layer g(m) (TinyBERT). */
    EVERY_LAYER,
    /** Only the last student layer M against teacher layer g(M) (MiniLM, DistilBERT's cosine). */
    LAST_LAYER
}
