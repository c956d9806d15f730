package dev.distill.core.eval;

import dev.distill.core.data.StsData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Semantic textual similarity evaluation: Spearman's ρ between the cosine similarity of the two
 * sentences' embeddings and the gold score, per subset, reported ×100 as is customary (SentEval,
 * MTEB). "mean" is the unweighted mean over subsets, "pooled" the ρ over all pairs at once.
 */
public final class StsEvaluator {

    /**
     * Scores of one evaluation, ×100.
     *
     * @param perSubset Spearman ρ ×100 per subset, in subset order
     * @param mean the unweighted mean over subsets
     * @param pooled ρ ×100 over all pairs at once
     * @param pairs the number of pairs scored
     */
    public record Result(Map<String, Double> perSubset, double mean, double pooled, int pairs) {
        /**
         * Copies the per-subset map.
         *
         * @param perSubset Spearman ρ ×100 per subset
         * @param mean the mean over subsets
         * @param pooled ρ ×100 over all pairs
         * @param pairs the number of pairs
         */
        public Result {
            perSubset = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perSubset));
        }
    }

    private final List<StsData.Subset> subsets;

    /**
     * An evaluation over these subsets.
     *
     * @param subsets at least one subset; copied
     * @throws IllegalArgumentException if there is none
     */
    public StsEvaluator(List<StsData.Subset> subsets) {
        if (subsets.isEmpty()) {
            throw new IllegalArgumentException("STS evaluation needs at least one subset");
        }
        this.subsets = List.copyOf(subsets);
    }

    /**
     * The SemEval 2012 + 2013 test sets.
     *
     * @return an evaluator over the 9 subsets of {@link StsData#semEvalTest()}
     */
    public static StsEvaluator semEvalTest() {
        return new StsEvaluator(StsData.semEvalTest());
    }

    /** {@return the subsets, immutable} */
    public List<StsData.Subset> subsets() {
        return subsets;
    }

    /**
     * Embeds every sentence once and scores each subset.
     *
     * @param embedder embeds a list of texts into one vector per text
     * @return the scores
     * @throws IllegalStateException if the embedder returns a different number of vectors
     */
    public Result evaluate(TextEmbedder embedder) {
        Map<String, Double> per = new LinkedHashMap<>();
        List<Double> allPred = new ArrayList<>();
        List<Double> allGold = new ArrayList<>();
        for (StsData.Subset s : subsets) {
            List<String> texts = new ArrayList<>(s.pairs().size() * 2);
            for (StsData.Pair p : s.pairs()) {
                texts.add(p.first());
                texts.add(p.second());
            }
            float[][] e = embedder.embed(texts);
            if (e.length != texts.size()) {
                throw new IllegalStateException("embedder returned " + e.length + " vectors for " + texts.size() + " texts");
            }
            double[] pred = new double[s.pairs().size()];
            double[] gold = new double[s.pairs().size()];
            for (int i = 0; i < pred.length; i++) {
                pred[i] = cosine(e[2 * i], e[2 * i + 1]);
                gold[i] = s.pairs().get(i).score();
                allPred.add(pred[i]);
                allGold.add(gold[i]);
            }
            per.put(s.name(), 100 * Correlation.spearman(pred, gold));
        }
        double mean = per.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double pooled = 100 * Correlation.spearman(
                allPred.stream().mapToDouble(Double::doubleValue).toArray(),
                allGold.stream().mapToDouble(Double::doubleValue).toArray());
        return new Result(per, mean, pooled, allPred.size());
    }

    /**
     * Cosine similarity in double precision (0 if either vector is zero).
     *
     * @param a a vector
     * @param b a vector of the same length
     * @return a·b / (‖a‖·‖b‖), in [−1, 1]
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in length: " + a.length + " vs " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
