package dev.distill.examples.bench;

import dev.distill.core.loss.DistillationLoss;
import dev.distill.losses.AttentionLoss;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.LogitsLayout;
import dev.distill.losses.MiniLmRelationLoss;
import dev.distill.losses.SoftTargetLoss;
import dev.distill.losses.WeightedSumLoss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --losses} flag: comma-separated loss names, each optionally with a weight, e.g.
 * {@code hidden,embedding,attention:0.01,cosine}. Weights change no timing; they are there so
 * the benchmarked set can be the one a run uses.
 *
 * <ul>
 *   <li>{@code hidden}: TinyBERT hidden-state MSE over uniformly mapped layers (projection when
 *       widths differ)</li>
 *   <li>{@code embedding}: TinyBERT embedding-layer MSE</li>
 *   <li>{@code attention}: TinyBERT attention-score MSE (same head count needed)</li>
 *   <li>{@code cosine}: 1 − cos of the pooled sentence embeddings</li>
 *   <li>{@code minilm}: MiniLM v2 Q-Q, K-K, V-V relations of the last layer, with the student's
 *       head count as relation heads</li>
 *   <li>{@code kd}: soft-target KL (T = 2) over the vocabulary at every real token; gives both
 *       models an MLM head, so it needs {@code --teacher random}</li>
 * </ul>
 */
final class LossSpec {

    static final List<String> NAMES = List.of("hidden", "embedding", "attention", "cosine", "minilm", "kd");

    private final Map<String, Double> weights;

    private LossSpec(Map<String, Double> weights) {
        this.weights = weights;
    }

    static LossSpec parse(String spec) {
        Map<String, Double> w = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            String name = p;
            double weight = 1.0;
            int colon = p.indexOf(':');
            if (colon >= 0) {
                name = p.substring(0, colon);
                try {
                    weight = Double.parseDouble(p.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--losses '" + spec + "': weight '" + p.substring(colon + 1)
                            + "' of " + name + " is not a number; write name:weight, e.g. attention:0.01");
                }
                if (!(weight > 0) || Double.isInfinite(weight)) {
                    throw new IllegalArgumentException("--losses '" + spec + "': weight " + weight + " of " + name
                            + " must be a finite number > 0");
                }
            }
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("--losses '" + spec + "': unknown loss '" + name
                        + "'; use a comma-separated list of " + String.join(", ", NAMES));
            }
            if (w.put(name, weight) != null) {
                throw new IllegalArgumentException("--losses '" + spec + "' names " + name + " twice");
            }
        }
        if (w.isEmpty()) {
            throw new IllegalArgumentException("--losses is empty; name at least one of " + String.join(", ", NAMES));
        }
        return new LossSpec(w);
    }

    /** Whether the set needs vocabulary logits (an MLM head on both models). */
    boolean needsMlmHead() {
        return weights.containsKey("kd");
    }

    boolean has(String name) {
        return weights.containsKey(name);
    }

    /** A fresh loss (not initialised: its projections are created by whoever initialises it). */
    DistillationLoss build(int studentHeads) {
        WeightedSumLoss.Builder b = WeightedSumLoss.builder();
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            b.add(e.getKey(), e.getValue(), create(e.getKey(), studentHeads));
        }
        return b.build();
    }

    private static DistillationLoss create(String name, int studentHeads) {
        switch (name) {
            case "hidden":
                return HiddenStateLoss.tinyBertHidden();
            case "embedding":
                return HiddenStateLoss.tinyBertEmbedding();
            case "attention":
                return AttentionLoss.tinyBert();
            case "cosine":
                return HiddenStateLoss.pooledCosine();
            case "minilm":
                return MiniLmRelationLoss.v2(studentHeads);
            case "kd":
                return SoftTargetLoss.kl(LogitsLayout.TOKENS, 2.0);
            default:
                throw new IllegalStateException("loss " + name);
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        weights.forEach((k, v) -> parts.add(v == 1.0 ? k : k + ":" + v));
        return String.join(",", parts);
    }
}
