package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.StepContext;
import dev.distill.losses.mapping.LayerMapping;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the PyTorch fixtures written by {@code src/test/python/make_loss_fixtures.py} and turns
 * one case into a loss, its inputs and a {@link StepContext}.
 */
final class Fixtures {

    /** One case of cases.json. */
    record Case(String name, JsonObject loss, List<String> inputs, List<String> grads) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Case> cases;

    private Fixtures() {}

    static synchronized List<Case> cases() {
        if (cases == null) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/cases.json")) {
                JsonObject root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
                List<Case> list = new ArrayList<>();
                for (JsonElement e : root.getAsJsonArray("cases")) {
                    JsonObject o = e.getAsJsonObject();
                    list.add(new Case(o.get("name").getAsString(), o.getAsJsonObject("loss"),
                            strings(o.getAsJsonArray("inputs")), strings(o.getAsJsonArray("grads"))));
                }
                cases = List.copyOf(list);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cases;
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.getAsString()));
        return out;
    }

    /** Every array of the fixture file, by its full name ({@code case/in/key}, {@code case/loss}, ...). */
    static Map<String, NDArray> all(NDManager manager) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/losses.npz")) {
            NDList list = NDList.decode(manager, in);
            Map<String, NDArray> map = new TreeMap<>();
            for (NDArray a : list) {
                map.put(a.getName(), a);
            }
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A case's inputs by key, floating-point arrays converted to {@code floatType}. */
    static Map<String, NDArray> inputs(Map<String, NDArray> all, Case c, DataType floatType) {
        Map<String, NDArray> in = new LinkedHashMap<>();
        for (String key : c.inputs()) {
            NDArray a = all.get(c.name() + "/in/" + key);
            in.put(key, a.getDataType().isFloating() ? a.toType(floatType, true) : a.duplicate());
        }
        return in;
    }

    /** The loss a case describes. */
    static DistillationLoss loss(Case c, Map<String, NDArray> in, DataType projectionType) {
        JsonObject cfg = c.loss();
        String type = cfg.get("type").getAsString();
        switch (type) {
            case "soft_target":
                return SoftTargetLoss.builder(LogitsLayout.valueOf(str(cfg, "layout")))
                        .optTemperature(cfg.get("temperature").getAsDouble())
                        .optForm(SoftTargetForm.valueOf(str(cfg, "form")))
                        .optPositions(Positions.valueOf(str(cfg, "positions")))
                        .build();
            case "similarity":
                return new SimilarityMatrixLoss();
            case "hard_label":
                return new HardLabelLoss(HardLabelLoss.Task.valueOf(str(cfg, "task")));
            case "hidden":
                return HiddenStateLoss.builder()
                        .optDistance(HiddenStateLoss.Distance.valueOf(str(cfg, "distance")))
                        .optSource(HiddenStateLoss.Source.valueOf(str(cfg, "source")))
                        .optLayers(MappedLayers.valueOf(str(cfg, "layers")))
                        .optMapping(mapping(cfg.get("mapping")))
                        .optProjectionBias(cfg.has("bias") && cfg.get("bias").getAsBoolean())
                        .optProjectionType(projectionType)
                        .build();
            case "attention":
                return AttentionLoss.builder()
                        .optMode(AttentionLoss.Mode.valueOf(str(cfg, "mode")))
                        .optLayers(MappedLayers.valueOf(str(cfg, "layers")))
                        .optMapping(mapping(cfg.get("mapping")))
                        .build();
            case "relation": {
                List<MiniLmRelationLoss.Relation> rels = new ArrayList<>();
                cfg.getAsJsonArray("relations").forEach(r -> rels.add(MiniLmRelationLoss.Relation.valueOf(r.getAsString())));
                return MiniLmRelationLoss.builder()
                        .setRelations(rels.toArray(new MiniLmRelationLoss.Relation[0]))
                        .optRelationHeads(cfg.get("relationHeads").getAsInt())
                        .optLayers(MappedLayers.valueOf(str(cfg, "layers")))
                        .optMapping(mapping(cfg.get("mapping")))
                        .build();
            }
            case "topk": {
                NDArray ids = in.get("topk.ids");
                NDArray probs = in.get("topk.probs");
                return TopKSoftTargetLoss.builder(ctx -> new TopKTargets(ids, probs))
                        .optTemperature(cfg.get("temperature").getAsDouble())
                        .optForm(SoftTargetForm.valueOf(str(cfg, "form")))
                        .optPositions(Positions.valueOf(str(cfg, "positions")))
                        .optTruncatedMass(TopKSoftTargetLoss.TruncatedMass.valueOf(str(cfg, "truncatedMass")))
                        .build();
            }
            case "weighted_distilbert":
                return WeightedSumLoss.builder()
                        .add("ce", 5, SoftTargetLoss.builder(LogitsLayout.TOKENS)
                                .optTemperature(cfg.get("temperature").getAsDouble())
                                .optPositions(Positions.LABELLED_TOKENS)
                                .build())
                        .add("mlm", 2, new HardLabelLoss(HardLabelLoss.Task.MASKED_LM))
                        .add("cos", 1, HiddenStateLoss.builder()
                                .optName("cosine")
                                .optDistance(HiddenStateLoss.Distance.COSINE)
                                .optLayers(MappedLayers.LAST_LAYER)
                                .optProjectionType(projectionType)
                                .build())
                        .build();
            default:
                throw new IllegalArgumentException("unknown fixture loss type " + type);
        }
    }

    private static String str(JsonObject o, String key) {
        return o.get(key).getAsString();
    }

    private static LayerMapping mapping(JsonElement e) {
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            int[] g = new int[a.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = a.get(i).getAsInt();
            }
            return LayerMapping.explicit(g);
        }
        switch (e.getAsString()) {
            case "uniform":
                return LayerMapping.uniform();
            case "first":
                return LayerMapping.first();
            case "last":
                return LayerMapping.last();
            default:
                throw new IllegalArgumentException("unknown mapping " + e);
        }
    }

    /** The model outputs of one side ("teacher" or "student"), padding absent lists with zeros. */
    static ModelOutputs outputs(Map<String, NDArray> in, String side) {
        NDArray mask = in.get("mask");
        NDManager m = mask.getManager();
        long b = mask.getShape().get(0);
        long t = mask.getShape().get(1);
        List<NDArray> hidden = list(in, side + ".hidden.");
        List<NDArray> scores = list(in, side + ".scores.");
        List<NDArray> q = list(in, side + ".q.");
        List<NDArray> k = list(in, side + ".k.");
        List<NDArray> v = list(in, side + ".v.");
        int layers = Math.max(Math.max(hidden.size() - 1, scores.size()), q.size());
        DataType ft = floatType(in);
        while (hidden.size() < layers + 1) {
            hidden.add(m.zeros(new Shape(b, t, 1), ft));
        }
        while (scores.size() < layers) {
            scores.add(m.zeros(new Shape(b, 1, t, t), ft));
        }
        return new ModelOutputs(hidden, scores, List.of(), q, k, v, in.get(side + ".pooled"), in.get(side + ".logits"), mask);
    }

    private static DataType floatType(Map<String, NDArray> in) {
        for (NDArray a : in.values()) {
            if (a.getDataType().isFloating()) {
                return a.getDataType();
            }
        }
        return DataType.FLOAT32;
    }

    private static List<NDArray> list(Map<String, NDArray> in, String prefix) {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; in.containsKey(prefix + i); i++) {
            out.add(in.get(prefix + i));
        }
        return out;
    }

    /** The step context for a case's inputs. */
    static StepContext context(Map<String, NDArray> in, NDManager manager) {
        NDArray mask = in.get("mask");
        TokenBatch batch = new TokenBatch(mask.zerosLike(), mask, null, in.get("labels"), mask.sum().getLong());
        return new StepContext(outputs(in, "teacher"), outputs(in, "student"), batch, 0, manager);
    }

    /** Sizes read off the outputs, for {@link DistillationLoss#initialize}. */
    static ModelDims dims(ModelOutputs o) {
        int width = (int) (o.pooled() != null ? o.pooled().getShape().get(1)
                : o.hiddenStates().get(0).getShape().get(2));
        int heads = !o.queries().isEmpty() ? (int) o.queries().get(0).getShape().get(1)
                : o.attentionScores().isEmpty() ? 1 : (int) o.attentionScores().get(0).getShape().get(1);
        int headSize = o.queries().isEmpty() ? 1 : (int) o.queries().get(0).getShape().get(3);
        int vocab = o.logits() == null ? 1 : (int) o.logits().getShape().get(o.logits().getShape().dimension() - 1);
        return new ModelDims(Math.max(o.numLayers(), 1), width, heads, headSize, vocab);
    }

    /**
     * One case made ready in a manager: its inputs, its loss (initialised by {@link #prepare}),
     * the step context and the arrays whose gradients the case checks, by fixture key.
     */
    record Prepared(Map<String, NDArray> in, DistillationLoss loss, StepContext ctx, Map<String, NDArray> targets) {}

    /** Case {@code c} with its inputs in {@code floatType}, attached to {@code manager}, made ready. */
    static Prepared prepared(Map<String, NDArray> all, Case c, DataType floatType, NDManager manager) {
        Map<String, NDArray> in = inputs(all, c, floatType);
        in.values().forEach(a -> a.attach(manager));
        return prepared(c, in, floatType, manager);
    }

    /** Case {@code c} made ready on inputs already in {@code manager}; the projection is {@code floatType}. */
    static Prepared prepared(Case c, Map<String, NDArray> in, DataType floatType, NDManager manager) {
        DistillationLoss loss = loss(c, in, floatType);
        StepContext ctx = context(in, manager);
        return new Prepared(in, loss, ctx, prepare(loss, in, ctx, manager, c.grads()));
    }

    /**
     * Initializes the loss, copies the fixture's projection into every projection it made, and
     * returns the arrays whose gradients the case checks, by fixture key.
     */
    static Map<String, NDArray> prepare(DistillationLoss loss, Map<String, NDArray> in, StepContext ctx,
            NDManager manager, List<String> gradKeys) {
        loss.initialize(manager, dims(ctx.teacher()), dims(ctx.student()));
        Map<String, NDArray> targets = new LinkedHashMap<>();
        for (HiddenStateLoss h : hiddenLosses(loss)) {
            Projection p = h.projection();
            if (p != null) {
                p.setWeight(in.get("proj.weight"));
                targets.put("proj.weight", p.weight().getArray());
                if (p.bias() != null) {
                    p.setBias(in.get("proj.bias"));
                    targets.put("proj.bias", p.bias().getArray());
                }
            }
        }
        for (String key : gradKeys) {
            if (key.startsWith("student.")) {
                in.get(key).setRequiresGradient(true);
                targets.put(key, in.get(key));
            } else if (!targets.containsKey(key)) {
                throw new IllegalStateException("fixture expects a gradient for " + key + " but the loss made no projection");
            }
        }
        return targets;
    }

    static List<HiddenStateLoss> hiddenLosses(DistillationLoss loss) {
        List<HiddenStateLoss> out = new ArrayList<>();
        if (loss instanceof HiddenStateLoss) {
            out.add((HiddenStateLoss) loss);
        } else if (loss instanceof WeightedSumLoss) {
            for (WeightedSumLoss.Component c : ((WeightedSumLoss) loss).components()) {
                out.addAll(hiddenLosses(c.loss()));
            }
        }
        return out;
    }
}
