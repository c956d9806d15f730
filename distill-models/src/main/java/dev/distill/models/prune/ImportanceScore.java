package dev.distill.models.prune;

/**
 * How attention heads, head dimensions and FFN neurons are ranked from the calibration
 * statistics in {@link CalibrationStats}. Hidden channels and layers are ranked the same way
 * under both (see {@link CalibrationStats}). All means are over real (unpadded) calibration
 * tokens.
 */
public enum ImportanceScore {

    /**
     * Activation magnitude alone, as Minitron ranks width (Muralidharan et al. 2024, "Compact
     * Language Models via Pruning and Knowledge Distillation", §2.2):
     * <ul>
     *   <li>head h: E‖ctx_h‖₂, the norm of the head's context vector {@code p_h·v_h} (d values);
     *   <li>FFN neuron j: E|act(a·W_iᵀ + b_i)_j|;
     *   <li>value dimension i of a head: E|ctx_{h,i}|.
     * </ul>
     */
    ACTIVATION,

    /**
     * What a unit actually adds to the residual stream, which also accounts for the weights that
     * read it (the norm-based view of Kobayashi et al. 2020, "Attention is Not Only a Weight:
     * Analyzing Transformers with Vector Norms"):
     * <ul>
     *   <li>head h: E‖ctx_h·W_{o,h}ᵀ‖₂, the norm of the head's term in the attention output
     *       (W_{o,h} = the d columns of the output projection that read head h);
     *   <li>FFN neuron j: E|act_j| · ‖W_{o2}[:, j]‖₂ (its activation times the norm of the output
     *       weight column it is multiplied by);
     *   <li>value dimension i of a head: E|ctx_{h,i}| · ‖W_o[:, h·d + i]‖₂.
     * </ul>
     * A unit whose outgoing weights are zero scores exactly 0 and is the first to go.
     */
    CONTRIBUTION
}
