package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.Map;
import java.util.Objects;

/**
 * In-batch similarity distillation of sentence embeddings: the student's cosine similarity
 * between every two sentences of a batch should equal the teacher's. With P^S (B, H_s) and P^T
 * (B, H_t) the pooled embeddings and z = p / √(‖p‖² + ε) (ε = 1e−12),
 *
 * <pre>
 *   S^X_{ij} = z^X_i · z^X_j                                   (B, B), X ∈ {S, T}
 *   L = (1 / (B(B−1))) Σ_{i≠j} (S^S_{ij} − S^T_{ij})²
 * </pre>
 *
 * The diagonal (always 1) is left out; a batch of one sentence has no pair and gives 0.
 *
 * <p>Why: a sentence-embedding model is used through cosine similarities (retrieval, STS), and
 * this loss asks for exactly those, in the student's <b>own</b> space. It needs no projection
 * W, so the widths may differ, and unlike a cosine through a learned W it does not let the
 * student's geometry drift as long as some linear map repairs it. It is the pooled-embedding
 * case of similarity-preserving distillation (Tung and Mori 2019, "Similarity-Preserving
 * Knowledge Distillation", which matches row-normalised Gram matrices of activations) and of
 * the relational losses of Park et al. 2019 ("Relational Knowledge Distillation", whose angle
 * and distance terms compare relations between examples rather than examples). Teacher arrays
 * are detached.
 */
public final class SimilarityMatrixLoss implements DistillationLoss {

    static final float EPS = 1e-12f;

    private final String name;

    /** Reported as {@code similarity}. */
    public SimilarityMatrixLoss() {
        this("similarity");
    }

    /**
     * Reported as {@code name}.
     *
     * @param name the reported name; not null
     */
    public SimilarityMatrixLoss(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** {@return the name under which this loss reports its value} */
    public String name() {
        return name;
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        ModelOutputs s = ctx.student();
        ModelOutputs t = ctx.teacher();
        if (s.pooled() == null || t.pooled() == null) {
            throw new IllegalArgumentException(name + " compares pooled embeddings but the "
                    + (s.pooled() == null ? "student" : "teacher")
                    + " outputs have none (ModelOutputs.pooled is null); the model needs a pooling");
        }
        NDArray ps = s.pooled();
        NDArray pt = t.pooled().stopGradient();
        Ops.requireRank(ps, 2, name + " student pooled", "(B, H)");
        Ops.requireRank(pt, 2, name + " teacher pooled", "(B, H)");
        long b = ps.getShape().get(0);
        if (pt.getShape().get(0) != b) {
            throw new IllegalArgumentException(name + ": the student pooled " + b + " sentences but the teacher "
                    + pt.getShape().get(0) + "; both must see the same batch");
        }
        NDArray total;
        if (b < 2) {
            total = Scalars.mul(ps.sum(), 0f); // no pair: 0, still attached to the graph
        } else {
            NDArray diff = gram(ps).sub(gram(pt));
            NDArray offDiagonal = ps.getManager().eye((int) b).eq(0);
            total = Ops.weightedMean(diff.square(), offDiagonal);
        }
        return new LossOutput(total, Map.of(name, total));
    }

    /** z·zᵀ with z the rows of x scaled to unit length. */
    private static NDArray gram(NDArray x) {
        NDArray z = x.div(x.square().sum(new int[] {1}, true).add(EPS).sqrt());
        return z.matMul(z.transpose());
    }
}
