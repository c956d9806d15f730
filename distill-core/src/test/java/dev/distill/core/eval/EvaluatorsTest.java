package dev.distill.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.StsData;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.TrainableModel;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each evaluator against numbers worked out by hand in the comments. */
class EvaluatorsTest {

    NDManager root;

    @BeforeEach
    void setUp() {
        root = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        root.close();
    }

    /** A "model" whose outputs are a function of the batch (no parameters). */
    TrainableModel model(Function<TokenBatch, NDArray> logits, Function<TokenBatch, NDArray> pooled) {
        return new TrainableModel() {
            @Override
            public ModelOutputs forward(TokenBatch batch, boolean training) {
                NDArray h = batch.inputIds().toType(DataType.FLOAT32, false).expandDims(-1);
                return new ModelOutputs(List.of(h), List.of(), null, null, null, null,
                        pooled == null ? null : pooled.apply(batch), logits == null ? null : logits.apply(batch),
                        batch.attentionMask());
            }

            @Override
            public Map<String, Parameter> namedParameters() {
                return Map.of();
            }

            @Override
            public Map<String, TensorData> stateDict() {
                return Map.of();
            }

            @Override
            public void loadState(Map<String, TensorData> state) {}

            @Override
            public ModelDims dims() {
                return new ModelDims(1, 1, 1, 1, 1);
            }

            @Override
            public Device device() {
                return Device.cpu();
            }

            @Override
            public NDManager manager() {
                return root;
            }

            @Override
            public String configFingerprint() {
                return "fixed";
            }

            @Override
            public String description() {
                return "fixed";
            }
        };
    }

    static EvalData data(long[][] ids, long[][] mask, Object labels) {
        return new EvalData() {
            @Override
            public int numBatches() {
                return 1;
            }

            @Override
            public TokenBatch batch(int index, NDManager m) {
                NDArray l = labels instanceof long[][] ? m.create((long[][]) labels) : m.create((long[]) labels);
                return new TokenBatch(m.create(ids), m.create(mask), null, l, 0);
            }
        };
    }

    @Test
    void accuracyIsTheShareOfArgMaxHits() {
        // logits = the ids: arg-max per row 1, 0, 2, 1; labels 1, 0, 1, 1: 3 of 4 right
        long[][] ids = {{0, 5, 1}, {3, 1, 0}, {0, 0, 9}, {2, 7, 1}};
        long[][] mask = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
        Evaluation e = Evaluators.accuracy(data(ids, mask, new long[] {1, 0, 1, 1}))
                .evaluate(model(b -> b.inputIds().toType(DataType.FLOAT32, false), null));
        assertEquals(0.75, e.primaryValue(), 0);
        assertEquals("accuracy", e.primary());
        assertEquals(4.0, e.metrics().get("examples"));
        assertEquals(Evaluation.Direction.HIGHER_IS_BETTER, e.direction());
    }

    @Test
    void spanF1AndExactMatch() {
        // example 0: start (0,3,1,0), end (0,0,2,5): best s=1, e=3 (3+5); gold (1,2):
        //   overlap 2, precision 2/3, recall 1, F1 = 0.8, EM 0
        // example 1: position 3 is padding (start 9, end 9 ignored); best (2,2) = 1+1 > (0,2) = 0+1
        //   gold (2,2): F1 1, EM 1          mean F1 0.9, EM 0.5
        float[] scores = {0, 0, 3, 0, 1, 2, 0, 5, /* ex 1 */ 0, 0, 0, 0, 1, 1, 9, 9};
        long[][] ids = {{1, 1, 1, 1}, {1, 1, 1, 1}};
        long[][] mask = {{1, 1, 1, 1}, {1, 1, 1, 0}};
        Evaluation e = Evaluators.spanF1(data(ids, mask, new long[][] {{1, 2}, {2, 2}}), 30)
                .evaluate(model(b -> b.inputIds().getManager().create(scores, new Shape(2, 4, 2)), null));
        assertEquals(0.9, e.primaryValue(), 1e-12);
        assertEquals(0.5, e.metrics().get("exact_match"), 0);
        // the length limit: with maxAnswerTokens 1 example 0 becomes the single token 1 (3+0) or 3 (0+5)
        Evaluation shortSpans = Evaluators.spanF1(data(ids, mask, new long[][] {{1, 2}, {2, 2}}), 1)
                .evaluate(model(b -> b.inputIds().getManager().create(scores, new Shape(2, 4, 2)), null));
        // (3,3): 0+5 = 5 beats (1,1): 3+0 = 3 -> disjoint from (1,2): F1 0; example 1 unchanged
        assertEquals(0.5, shortSpans.primaryValue(), 1e-12);
        assertEquals(0.8, Evaluators.spanF1(1, 3, 1, 2), 1e-12);
    }

    @Test
    void perplexityOverLabelledPositionsOnly() {
        // position 0: logits (1,2,3), label 2: nll = log(e + e² + e³) - 3; position 1 ignored
        float[] logits = {1, 2, 3, 0, 0, 0};
        long[][] ids = {{1, 1}};
        long[][] mask = {{1, 1}};
        long[][] labels = {{2, TokenBatch.IGNORE_INDEX}};
        Evaluation e = Evaluators.perplexity(data(ids, mask, labels))
                .evaluate(model(b -> b.inputIds().getManager().create(logits, new Shape(1, 2, 3)), null));
        double nll = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        assertEquals(Math.exp(nll), e.primaryValue(), 1e-5);
        assertEquals(nll, e.metrics().get("mlm_loss"), 1e-6);
        assertEquals(1.0, e.metrics().get("tokens"));
        assertEquals(Evaluation.Direction.LOWER_IS_BETTER, e.direction());
    }

    @Test
    void spearmanOfCosineAgainstGold() {
        // each text is an angle in degrees; its embedding the unit vector at that angle, so the
        // pairs' cosines are cos 90° = 0, cos 60° = 0.5, cos 0° = 1: the same order as the gold
        // scores 1, 3, 5 (rho = 100), and reversed gold gives -100
        StsData.Subset s = new StsData.Subset("angles", List.of(new StsData.Pair("0", "90", 1),
                new StsData.Pair("0", "60", 3), new StsData.Pair("10", "10", 5)));
        TextBatcher batcher = (texts, m) -> {
            long[][] ids = new long[texts.size()][1];
            long[][] mask = new long[texts.size()][1];
            for (int i = 0; i < texts.size(); i++) {
                ids[i][0] = Long.parseLong(texts.get(i));
                mask[i][0] = 1;
            }
            return new TokenBatch(m.create(ids), m.create(mask), null, null, texts.size());
        };
        TrainableModel angles = model(null, b -> {
            NDArray rad = b.inputIds().toType(DataType.FLOAT32, false).mul((float) (Math.PI / 180));
            return rad.cos().concat(rad.sin(), 1);
        });
        Evaluation e = Evaluators.spearman(new StsEvaluator(List.of(s)), batcher, 2).evaluate(angles);
        assertEquals(100, e.primaryValue(), 1e-9);
        assertEquals(100, e.metrics().get("sts.angles"), 1e-9);
        StsData.Subset reversed = new StsData.Subset("rev", List.of(new StsData.Pair("0", "90", 5),
                new StsData.Pair("0", "60", 3), new StsData.Pair("10", "10", 1)));
        assertEquals(-100, Evaluators.spearman(new StsEvaluator(List.of(reversed)), batcher, 4).evaluate(angles)
                .primaryValue(), 1e-9);
    }

    /**
     * Ties, by hand. x = (1, 2, 2, 4) has ranks (1, 2.5, 2.5, 4); y = (1, 3, 2, 2) has ranks
     * (1, 4, 2.5, 2.5). Both rank vectors have mean 2.5; deviations (−1.5, 0, 0, 1.5) and
     * (−1.5, 1.5, 0, 0): Σ dx·dy = 2.25, Σ dx² = Σ dy² = 4.5, so ρ = 2.25 / 4.5 = 0.5. The usual
     * mistakes give other numbers: ordinal ranks without averaging (1, 2, 3, 4) and (1, 4, 2, 3)
     * give 2 / 5 = 0.4; the no-ties formula 1 − 6Σd² / (n(n² − 1)) on the averaged ranks
     * (d = 0, −1.5, 0, 1.5) gives 1 − 27 / 60 = 0.55.
     */
    @Test
    void spearmanAveragesTiedRanksByHand() {
        assertEquals(0.5, Correlation.spearman(new double[] {1, 2, 2, 4}, new double[] {1, 3, 2, 2}), 1e-15);
        assertEquals(0.5, Correlation.spearman(new double[] {4, 2, 2, 1}, new double[] {2, 3, 2, 1}), 1e-15,
                "order of the pairs does not matter");
        // through the STS evaluator: the cosines 0, 0.5, 0.5, 1 (the two middle pairs are the same
        // texts, so exactly tied) rank like x above, and gold 1, 3, 2, 2 like y: 100 × 0.5
        StsData.Subset s = new StsData.Subset("ties", List.of(new StsData.Pair("0", "90", 1),
                new StsData.Pair("0", "60", 3), new StsData.Pair("0", "60", 2), new StsData.Pair("10", "10", 2)));
        Evaluation e = Evaluators.spearman(new StsEvaluator(List.of(s)), anglesBatcher(), 3).evaluate(angles());
        assertEquals(50, e.metrics().get("sts.ties"), 1e-9);
    }

    /**
     * Real STS gold scores (full of ties) against predictions with ties of their own, against
     * scipy.stats.spearmanr: {@code distill-core/src/test/python/make_spearman_fixtures.py} wrote
     * the inputs and scipy's values into {@code eval/spearman_ties.json}.
     */
    @Test
    void spearmanWithTiesMatchesScipy() throws java.io.IOException {
        com.google.gson.JsonObject root;
        try (java.io.InputStream in = getClass().getResourceAsStream("/eval/spearman_ties.json")) {
            root = com.google.gson.JsonParser.parseString(new String(in.readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
        }
        com.google.gson.JsonArray cases = root.getAsJsonArray("cases");
        assertEquals(3, cases.size());
        for (com.google.gson.JsonElement el : cases) {
            com.google.gson.JsonObject c = el.getAsJsonObject();
            double[] x = doubles(c.getAsJsonArray("x"));
            double[] y = doubles(c.getAsJsonArray("y"));
            assertTrue(c.get("tied_x").getAsInt() > 0 && c.get("tied_y").getAsInt() > 0, "the case has ties");
            assertEquals(c.get("rho").getAsDouble(), Correlation.spearman(x, y), 1e-12, c.get("name").getAsString());
        }
    }

    private static double[] doubles(com.google.gson.JsonArray a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsDouble();
        }
        return v;
    }

    /** Each text is an angle in degrees, one token. */
    private static TextBatcher anglesBatcher() {
        return (texts, m) -> {
            long[][] ids = new long[texts.size()][1];
            long[][] mask = new long[texts.size()][1];
            for (int i = 0; i < texts.size(); i++) {
                ids[i][0] = Long.parseLong(texts.get(i));
                mask[i][0] = 1;
            }
            return new TokenBatch(m.create(ids), m.create(mask), null, null, texts.size());
        };
    }

    /** Embeds an angle as the unit vector at that angle. */
    private TrainableModel angles() {
        return model(null, b -> {
            NDArray rad = b.inputIds().toType(DataType.FLOAT32, false).mul((float) (Math.PI / 180));
            return rad.cos().concat(rad.sin(), 1);
        });
    }

    @Test
    void badInputsAreExplained() {
        long[][] ids = {{1, 2}};
        long[][] mask = {{1, 1}};
        IllegalArgumentException noHead = assertThrows(IllegalArgumentException.class,
                () -> Evaluators.accuracy(data(ids, mask, new long[] {1})).evaluate(model(null, null)));
        assertTrue(noHead.getMessage().startsWith("accuracy needs the student's head logits (B, C)"), noHead.getMessage());
        IllegalArgumentException primary = assertThrows(IllegalArgumentException.class,
                () -> new Evaluation(Map.of("a", 1.0), "b", Evaluation.Direction.HIGHER_IS_BETTER));
        assertEquals("primary metric 'b' is not among the metrics [a]; name one of them", primary.getMessage());
        assertTrue(Evaluation.Direction.LOWER_IS_BETTER.isBetter(1, 2));
        assertTrue(Evaluation.Direction.HIGHER_IS_BETTER.isBetter(1, Double.NaN));
        assertTrue(!Evaluation.Direction.HIGHER_IS_BETTER.isBetter(Double.NaN, 1));
    }
}
