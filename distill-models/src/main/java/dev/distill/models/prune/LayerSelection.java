package dev.distill.models.prune;

/** Which teacher layers a shallower student keeps. Kept layers always stay in teacher order. */
public enum LayerSelection {

    /**
     * The layers that change their input most: Block Influence (Men et al. 2024, "ShortGPT:
     * Layers in Large Language Models are More Redundant Than You Expect", eq. 1),
     * {@code BI_l = 1 − E_t cos(h_l[t], h_{l+1}[t])} over real calibration tokens, where h_l is the
     * layer's input and h_{l+1} its output. The layers with the highest BI are kept; a layer
     * that barely rotates the residual stream is the cheapest to drop.
     */
    BLOCK_INFLUENCE,

    /**
     * Evenly spaced layers {@code ⌊i·L/k⌋}, i = 0..k−1, independent of data: DistilBERT's "one
     * layer out of two" generalised (for k = L/2 it gives 0, 2, 4, …).
     */
    UNIFORM
}
