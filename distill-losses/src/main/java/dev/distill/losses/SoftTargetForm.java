package dev.distill.losses;

/**
 * The two textbook forms of the soft-target loss (Hinton et al. 2015, "Distilling the Knowledge
 * in a Neural Network"). With p = softmax(z_t / T) and q = softmax(z_s / T):
 *
 * <pre>
 *   KL_DIVERGENCE:  T² · Σ_i p_i · (log p_i − log q_i)      (PyTorch KLDivLoss, DistilBERT)
 *   CROSS_ENTROPY:  T² · (− Σ_i p_i · log q_i)               (Hinton et al.'s cross-entropy with soft
 *                                                              targets)
 * </pre>
 *
 * They differ by T²·H(p), the teacher's entropy, which does not depend on the student: both have
 * the same gradient with respect to the student and differ only in the reported value. KL is 0
 * when the student matches the teacher, which makes it the easier number to read in a log.
 */
public enum SoftTargetForm {
    /** T²·KL(p‖q); 0 when the student equals the teacher. */
    KL_DIVERGENCE,
    /** T²·H(p, q) = T²·(KL(p‖q) + H(p)). */
    CROSS_ENTROPY
}
