package dev.distill.examples.cli;

import dev.distill.core.eval.StsEvaluator;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.inference.SentenceEmbedder;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ./distill sts}: SemEval STS 2012/2013 test Spearman of a model's embeddings. */
@Command(name = "sts", mixinStandardHelpOptions = true,
        description = {"Evaluate sentence embeddings on the SemEval STS 2012 and 2013 test sets:",
                "Spearman x100 between cosine similarity and the gold score, per subset, their mean,",
                "and all pairs pooled."})
public final class StsCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        StsEvaluator evaluator = StsEvaluator.semEvalTest();
        try (LoadedModel m = ModelLoader.load(model.model, model.device(), model.maxLength)) {
            Pooling pooling = model.pooling == null ? m.pooling() : Pooling.parse(model.pooling);
            SentenceEmbedder embedder = new SentenceEmbedder(
                    m.encoder(), m.tokenizer(), m.manager(), pooling, true, model.batchSize);
            long start = System.nanoTime();
            StsEvaluator.Result r = evaluator.evaluate(embedder);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "model: %s (%s pooling, %,d parameters, %s)%n", m.source(),
                    pooling.name().toLowerCase(Locale.ROOT), m.encoder().parameterCount(), m.manager().getDevice());
            System.out.printf(Locale.ROOT, "%-18s %8s%n", "subset", "spearman");
            for (Map.Entry<String, Double> e : r.perSubset().entrySet()) {
                System.out.printf(Locale.ROOT, "%-18s %8.2f%n", e.getKey(), e.getValue());
            }
            System.out.printf(Locale.ROOT, "%-18s %8.2f%n", "mean", r.mean());
            System.out.printf(Locale.ROOT, "%-18s %8.2f%n", "pooled", r.pooled());
            System.out.printf(Locale.ROOT, "%,d pairs, %.1f s, %.0f sentences/s%n", r.pairs(), seconds,
                    2 * r.pairs() / seconds);
        }
        return 0;
    }
}
