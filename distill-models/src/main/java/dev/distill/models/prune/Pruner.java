package dev.distill.models.prune;

import ai.djl.ndarray.NDManager;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.Head;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.SpanQaHead;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a narrower and shallower student from a teacher by structured pruning: measure each
 * unit's importance on calibration text ({@link CalibrationStats}), keep the most important
 * ones ({@link PrunePlan}), and slice every tensor to them ({@link #apply}). This is the
 * initialisation of Minitron (Muralidharan et al. 2024) and Sheared-LLaMA (Xia et al. 2024),
 * applied to a BERT encoder; distillation then recovers what pruning lost.
 *
 * <pre>{@code
 * try (LoadedModel t = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 128)) {
 *     Pruner.Result r = Pruner.prune(t.encoder(), t.tokenizer(), texts,
 *             PruneTarget.of(4, 312, 12, 1200), Pruner.Options.defaults(), t.manager());
 *     HfDirectory.save(r.student(), t.tokenizer(), Path.of("pruned"));
 * }
 * }</pre>
 *
 * <p>How each tensor is sliced (teacher layout, PyTorch (out, in) weights; c = kept channels,
 * r_q/r_v = rows of the kept heads' kept query-key/value dimensions, n = kept neurons):
 *
 * <pre>
 * embeddings.{word,position,token_type}_embeddings   [:, c]
 * every LayerNorm weight and bias                    [c]
 * attention.self.{query,key}.weight / bias           [r_q, c] / [r_q]   (query × √(d'/d) if heads narrow)
 * attention.self.value.weight / bias                 [r_v, c] / [r_v]
 * attention.output.dense.weight / bias               [c, r_v] / [c]
 * intermediate.dense.weight / bias                   [n, c] / [n]
 * output.dense.weight / bias                         [c, n] / [c]
 * pooler.dense.weight / bias                         [c, c] / [c]
 * classifier.weight, qa_outputs.weight               [:, c]
 * cls.predictions.transform.dense / LayerNorm        [c, c] / [c]     (decoder tied to the sliced word embeddings)
 * </pre>
 *
 * <p>What is exact and what is not. Removing a head, a head's value dimension or an FFN neuron
 * removes exactly its additive term from the layer's output, so a unit whose term is zero
 * (e.g. zero outgoing weights) is removed without any change. Removing query/key dimensions
 * removes their terms from q·kᵀ; the student divides by √d' instead of √d, so queries are
 * multiplied by √(d'/d) to keep the remaining terms on the teacher's scale. Removing hidden
 * channels is the one approximation with no exact case: every LayerNorm then computes its
 * mean and variance over the kept channels only, which shifts and rescales every normalised
 * value (slightly if the dropped channels carried little magnitude, which is what the channel
 * score selects for). The pooler's output width equals the hidden width in BERT, so it keeps
 * the same channels.
 */
public final class Pruner {

    private Pruner() {}

    /**
     * How units are ranked and which layers are kept.
     *
     * @param score the head, head-dimension and neuron scoring
     * @param layerSelection how teacher layers are chosen when the student is shallower
     * @param batchSize calibration texts per forward pass
     */
    public record Options(ImportanceScore score, LayerSelection layerSelection, int batchSize) {
        /**
         * Checks the options.
         *
         * @param score the head, head-dimension and neuron scoring
         * @param layerSelection how teacher layers are chosen
         * @param batchSize calibration texts per forward pass, &gt; 0
         * @throws NullPointerException if a choice is null
         * @throws IllegalArgumentException if the batch size is not positive
         */
        public Options {
            Objects.requireNonNull(score, "score");
            Objects.requireNonNull(layerSelection, "layerSelection");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize (" + batchSize + ") must be positive");
            }
        }

        /** {@return contribution scores, the last layer plus the highest Block Influence, batches of 32} */
        public static Options defaults() {
            return new Options(ImportanceScore.CONTRIBUTION, LayerSelection.BLOCK_INFLUENCE_KEEP_LAST, 32);
        }
    }

    /**
     * A pruned student, the plan it was cut with and the statistics the plan came from.
     *
     * @param student the pruned encoder
     * @param plan what was kept
     * @param stats the calibration statistics
     * @param score the scoring used
     */
    public record Result(Encoder student, PrunePlan plan, CalibrationStats stats, ImportanceScore score) {
        /**
         * {@return where the student's layers and channels sit in the teacher; save it beside the
         * weights}
         */
        public PruneOrigin origin() {
            return PruneOrigin.of(plan);
        }

        /**
         * Kept units and parameter counts, for people.
         *
         * @param teacher the teacher it was cut from
         * @return several lines of text
         */
        public String summary(Encoder teacher) {
            return plan.summary(stats, score) + String.format(java.util.Locale.ROOT,
                    "parameters: %,d -> %,d (%.1f%%)%n", teacher.parameterCount(), student.parameterCount(),
                    100.0 * student.parameterCount() / teacher.parameterCount());
        }
    }

    /**
     * Measures importance on {@code calibrationTexts}, plans and slices.
     *
     * @param teacher the teacher, weights loaded
     * @param tokenizer its tokenizer
     * @param calibrationTexts the texts importance is measured on, at least one
     * @param target the student's shape
     * @param options scoring, layer selection and batch size
     * @param manager the teacher's manager; the student's parameters are created on it too
     * @return the student, its plan and the statistics
     * @throws IllegalArgumentException if {@code target} is not reachable from the teacher
     */
    public static Result prune(Encoder teacher, TextTokenizer tokenizer, List<String> calibrationTexts,
            PruneTarget target, Options options, NDManager manager) {
        target.studentConfig(teacher.config()); // fail on an impossible shape before running the teacher
        CalibrationStats stats = CalibrationStats.measure(teacher, tokenizer, calibrationTexts, manager,
                options.batchSize());
        PrunePlan plan = PrunePlan.select(stats, target, options.score(), options.layerSelection());
        return new Result(apply(teacher, plan, manager), plan, stats, options.score());
    }

    /**
     * Slices the teacher's weights to {@code plan} into a new encoder with the teacher's pooling
     * and, if it has one, the same kind of head (sliced too). The teacher is not changed.
     *
     * @param teacher the teacher, weights loaded
     * @param plan what to keep
     * @param manager where the student's parameters are created
     * @return the student
     * @throws IllegalArgumentException if the plan was made for another teacher configuration
     */
    public static Encoder apply(Encoder teacher, PrunePlan plan, NDManager manager) {
        EncoderConfig t = teacher.config();
        if (!t.equals(plan.teacher())) {
            throw new IllegalArgumentException("the plan was made for teacher " + plan.teacher()
                    + " but this teacher is " + t);
        }
        EncoderConfig s = plan.student();
        Map<String, TensorData> source = teacher.stateDict();
        Map<String, TensorData> out = new LinkedHashMap<>();
        int[] c = plan.channels();
        for (String emb : new String[] {"word_embeddings", "position_embeddings", "token_type_embeddings"}) {
            String name = "embeddings." + emb + ".weight";
            out.put(name, Slices.slice2d(source.get(name), null, c));
        }
        out.put("embeddings.LayerNorm.weight", Slices.slice1d(source.get("embeddings.LayerNorm.weight"), c));
        out.put("embeddings.LayerNorm.bias", Slices.slice1d(source.get("embeddings.LayerNorm.bias"), c));
        int d = t.headSize();
        float queryScale = (float) Math.sqrt((double) s.headSize() / d);
        for (int i = 0; i < s.numLayers(); i++) {
            String tp = "encoder.layer." + plan.layers()[i] + ".";
            String sp = "encoder.layer." + i + ".";
            int[] qkRows = headRows(plan.heads()[i], plan.queryKeyDims()[i], d);
            int[] vRows = headRows(plan.heads()[i], plan.valueDims()[i], d);
            int[] n = plan.neurons()[i];
            TensorData qw = Slices.slice2d(source.get(tp + "attention.self.query.weight"), qkRows, c);
            TensorData qb = Slices.slice1d(source.get(tp + "attention.self.query.bias"), qkRows);
            if (s.headSize() != d) {
                qw = Slices.scaled(qw, queryScale);
                qb = Slices.scaled(qb, queryScale);
            }
            out.put(sp + "attention.self.query.weight", qw);
            out.put(sp + "attention.self.query.bias", qb);
            out.put(sp + "attention.self.key.weight", Slices.slice2d(source.get(tp + "attention.self.key.weight"), qkRows, c));
            out.put(sp + "attention.self.key.bias", Slices.slice1d(source.get(tp + "attention.self.key.bias"), qkRows));
            out.put(sp + "attention.self.value.weight", Slices.slice2d(source.get(tp + "attention.self.value.weight"), vRows, c));
            out.put(sp + "attention.self.value.bias", Slices.slice1d(source.get(tp + "attention.self.value.bias"), vRows));
            out.put(sp + "attention.output.dense.weight", Slices.slice2d(source.get(tp + "attention.output.dense.weight"), c, vRows));
            out.put(sp + "attention.output.dense.bias", Slices.slice1d(source.get(tp + "attention.output.dense.bias"), c));
            out.put(sp + "intermediate.dense.weight", Slices.slice2d(source.get(tp + "intermediate.dense.weight"), n, c));
            out.put(sp + "intermediate.dense.bias", Slices.slice1d(source.get(tp + "intermediate.dense.bias"), n));
            out.put(sp + "output.dense.weight", Slices.slice2d(source.get(tp + "output.dense.weight"), c, n));
            out.put(sp + "output.dense.bias", Slices.slice1d(source.get(tp + "output.dense.bias"), c));
            for (String ln : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                out.put(sp + ln + ".weight", Slices.slice1d(source.get(tp + ln + ".weight"), c));
                out.put(sp + ln + ".bias", Slices.slice1d(source.get(tp + ln + ".bias"), c));
            }
        }
        Head head = teacher.head().map(h -> studentHead(h, s)).orElse(null);
        if (head != null) {
            for (var p : head.parameters()) {
                out.put(p.getName(), sliceHeadParameter(p.getName(), source.get(p.getName()), c));
            }
        }
        Encoder student = new Encoder(s, teacher.pooling(), head);
        student.loadState(manager, out, true);
        return student;
    }

    /** Rows h·d + i of a (A·d, ·) projection for each kept head h and its kept dims i, in order. */
    private static int[] headRows(int[] heads, int[][] dims, int d) {
        int per = dims.length == 0 ? 0 : dims[0].length;
        int[] rows = new int[heads.length * per];
        int k = 0;
        for (int h = 0; h < heads.length; h++) {
            for (int i : dims[h]) {
                rows[k++] = heads[h] * d + i;
            }
        }
        return rows;
    }

    private static Head studentHead(Head teacherHead, EncoderConfig s) {
        if (teacherHead instanceof ClassificationHead) {
            ClassificationHead ch = (ClassificationHead) teacherHead;
            return ch.isRegression() ? ClassificationHead.regression(s) : new ClassificationHead(s, ch.labels(), false);
        }
        if (teacherHead instanceof MaskedLmHead) {
            return new MaskedLmHead(s);
        }
        if (teacherHead instanceof SpanQaHead) {
            return new SpanQaHead(s);
        }
        throw new IllegalArgumentException("cannot prune a model with head " + teacherHead.architecture()
                + "; supported heads: BertForSequenceClassification, BertForMaskedLM, BertForQuestionAnswering");
    }

    private static TensorData sliceHeadParameter(String name, TensorData t, int[] c) {
        switch (name) {
            case "pooler.dense.weight":
            case "cls.predictions.transform.dense.weight":
                return Slices.slice2d(t, c, c);
            case "pooler.dense.bias":
            case "cls.predictions.transform.dense.bias":
            case "cls.predictions.transform.LayerNorm.weight":
            case "cls.predictions.transform.LayerNorm.bias":
                return Slices.slice1d(t, c);
            case "classifier.weight":
            case "qa_outputs.weight":
                return Slices.slice2d(t, null, c);
            case "classifier.bias":
            case "qa_outputs.bias":
            case "cls.predictions.bias":
                return t;
            default:
                throw new IllegalArgumentException("head parameter " + name + " has no pruning rule; add one to"
                        + " Pruner.sliceHeadParameter");
        }
    }
}
