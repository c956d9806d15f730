package dev.distill.examples.bench;

/**
 * Analytic floating-point operation counts of the encoder's matrix products, from the shapes
 * alone. A multiply-add counts as 2 FLOPs; a product of an (m × k) and a (k × n) matrix costs
 * 2·m·k·n.
 *
 * <h2>One encoder forward pass</h2>
 *
 * For B sequences of T tokens, L layers of width H, A heads of size d (A·d = H in BERT) and a
 * feed-forward width F, one layer does
 *
 * <pre>
 *   Q, K, V projections      3 · 2·(B·T)·H·(A·d)
 *   scores  q·kᵀ             2·B·A·T·T·d
 *   context p·v              2·B·A·T·T·d
 *   output projection        2·(B·T)·(A·d)·H
 *   feed-forward in and out  2 · 2·(B·T)·H·F
 *   ---------------------------------------------------------------
 *   per layer                2·B·T·(4·H·A·d + 2·H·F) + 4·B·A·T²·d
 * </pre>
 *
 * and an MLM head (transform H → H, decoder H → V) adds 2·B·T·(H² + H·V). Embedding look-ups,
 * LayerNorm, softmax, GELU, dropout and the losses are left out: they are O(B·T·H) or
 * O(B·A·T²) element-wise work, not matrix products.
 *
 * <h2>One distillation step</h2>
 *
 * <pre>
 *   step = forward(teacher) + 3 · forward(student)
 * </pre>
 *
 * The teacher only runs forward. The student's backward pass costs about twice its forward
 * (one product for the gradient with respect to the input and one for the weights, for every
 * product of the forward), the usual "6·N FLOPs per token for training, 2·N for inference"
 * accounting (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1). The
 * step's achieved FLOP/s is this count divided by the measured step time, so it is a lower
 * bound of what the hardware executed.
 */
public final class Flops {

    private Flops() {}

    /**
     * FLOPs of one encoder forward pass (matrix products only).
     *
     * @param batch B
     * @param seq T
     * @param layers L
     * @param hidden H
     * @param heads A
     * @param headSize d
     * @param ffn F
     * @param mlmVocab V of an MLM head that produces logits at every position, or 0 for none
     */
    public static double encoderForward(long batch, long seq, long layers, long hidden, long heads, long headSize,
            long ffn, long mlmVocab) {
        double tokens = (double) batch * seq;
        double inner = (double) heads * headSize;
        double perLayer = 2 * tokens * (4 * hidden * inner + 2.0 * hidden * ffn)
                + 4.0 * batch * heads * (double) seq * seq * headSize;
        double head = mlmVocab > 0 ? 2 * tokens * ((double) hidden * hidden + (double) hidden * mlmVocab) : 0;
        return layers * perLayer + head;
    }

    /** FLOPs of one distillation step: the teacher's forward plus three times the student's. */
    public static double distillationStep(double teacherForward, double studentForward) {
        return teacherForward + 3 * studentForward;
    }

    /** FLOPs of an (n × n) by (n × n) matrix product: 2·n³. */
    public static double squareMatmul(long n) {
        return 2.0 * n * n * n;
    }
}
