package dev.distill.models.prune;

import dev.distill.models.encoder.EncoderConfig;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Which teacher units a pruned student keeps. Every index is a teacher index, every list is
 * strictly increasing (units keep their teacher order), and arrays per layer are indexed by
 * student layer.
 *
 * @param teacher the teacher's configuration
 * @param student the student's configuration
 * @param layers kept teacher layers, one per student layer
 * @param channels kept hidden channels (the residual stream, shared by every layer)
 * @param heads per student layer, the kept teacher heads
 * @param queryKeyDims per student layer and kept head, the kept dimensions of that head's
 *     queries and keys (they pair up in q·kᵀ, so they are kept together)
 * @param valueDims per student layer and kept head, the kept dimensions of its values (they pair
 *     up with the output projection's columns, independently of queries and keys)
 * @param neurons per student layer, the kept FFN neurons
 */
public record PrunePlan(EncoderConfig teacher, EncoderConfig student, int[] layers, int[] channels, int[][] heads,
        int[][][] queryKeyDims, int[][][] valueDims, int[][] neurons) {

    /**
     * Validates every list against both configurations.
     *
     * @param teacher the teacher's configuration
     * @param student the student's configuration
     * @param layers kept teacher layers
     * @param channels kept hidden channels
     * @param heads kept heads per student layer
     * @param queryKeyDims kept query/key dimensions per student layer and head
     * @param valueDims kept value dimensions per student layer and head
     * @param neurons kept FFN neurons per student layer
     * @throws IllegalArgumentException naming the first list of the wrong size, out of range or not
     *     strictly increasing
     */
    public PrunePlan {
        if (!student.equals(teacher.toBuilder().setNumLayers(student.numLayers()).setHiddenSize(student.hiddenSize())
                .setNumHeads(student.numHeads()).optHeadSize(student.headSize())
                .setIntermediateSize(student.intermediateSize()).build())) {
            throw new IllegalArgumentException("student " + student + " differs from teacher " + teacher
                    + " in more than layers, hidden, heads, head size and FFN width");
        }
        check("layers", layers, student.numLayers(), teacher.numLayers());
        check("channels", channels, student.hiddenSize(), teacher.hiddenSize());
        perLayer("heads", heads, student.numLayers());
        perLayer("queryKeyDims", queryKeyDims, student.numLayers());
        perLayer("valueDims", valueDims, student.numLayers());
        perLayer("neurons", neurons, student.numLayers());
        for (int l = 0; l < student.numLayers(); l++) {
            check("heads[" + l + "]", heads[l], student.numHeads(), teacher.numHeads());
            check("neurons[" + l + "]", neurons[l], student.intermediateSize(), teacher.intermediateSize());
            perLayer("queryKeyDims[" + l + "]", queryKeyDims[l], student.numHeads());
            perLayer("valueDims[" + l + "]", valueDims[l], student.numHeads());
            for (int h = 0; h < student.numHeads(); h++) {
                check("queryKeyDims[" + l + "][" + h + "]", queryKeyDims[l][h], student.headSize(), teacher.headSize());
                check("valueDims[" + l + "][" + h + "]", valueDims[l][h], student.headSize(), teacher.headSize());
            }
        }
    }

    private static void perLayer(String name, Object[] values, int expected) {
        if (values.length != expected) {
            throw new IllegalArgumentException(name + " has " + values.length + " entries; expected " + expected);
        }
    }

    private static void check(String name, int[] kept, int count, int limit) {
        if (kept.length != count) {
            throw new IllegalArgumentException(name + " keeps " + kept.length + " units; the student needs " + count);
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= limit) {
                throw new IllegalArgumentException(name + " index " + kept[i] + " is outside the teacher's [0, "
                        + limit + ")");
            }
            if (i > 0 && kept[i] <= kept[i - 1]) {
                throw new IllegalArgumentException(name + " " + Arrays.toString(kept)
                        + " must be strictly increasing (teacher order)");
            }
        }
    }

    /**
     * Keeps the highest-scoring units for {@code target}: layers by {@code layerSelection},
     * hidden channels by {@link CalibrationStats#channelAbs()}, and per kept layer the heads,
     * head dimensions and FFN neurons by {@code score}. Ties go to the lower index.
     *
     * @param stats the teacher's calibration statistics
     * @param target the student's shape
     * @param score how heads, head dimensions and neurons are ranked
     * @param layerSelection how teacher layers are chosen
     * @return the plan
     * @throws IllegalArgumentException if the target does not fit the teacher
     */
    public static PrunePlan select(CalibrationStats stats, PruneTarget target, ImportanceScore score,
            LayerSelection layerSelection) {
        EncoderConfig t = stats.config();
        EncoderConfig s = target.studentConfig(t);
        int[] layers;
        switch (layerSelection) {
            case UNIFORM:
                layers = IntStream.range(0, s.numLayers())
                        .map(i -> (int) ((long) i * t.numLayers() / s.numLayers())).toArray();
                break;
            case BLOCK_INFLUENCE_KEEP_LAST:
                double[] bi = stats.blockInfluence();
                bi[t.numLayers() - 1] = Double.POSITIVE_INFINITY;
                layers = top(bi, s.numLayers());
                break;
            default:
                layers = top(stats.blockInfluence(), s.numLayers());
                break;
        }
        return forLayers(stats, s, layers, score);
    }

    /**
     * As {@link #select} with the teacher layers given explicitly (strictly increasing).
     *
     * @param stats the teacher's calibration statistics
     * @param target the student's shape
     * @param score how heads, head dimensions and neurons are ranked
     * @param teacherLayers 0-based, one per student layer
     * @return the plan
     * @throws IllegalArgumentException if the target or the layers do not fit the teacher
     */
    public static PrunePlan selectWithLayers(CalibrationStats stats, PruneTarget target, ImportanceScore score,
            int[] teacherLayers) {
        EncoderConfig s = target.studentConfig(stats.config());
        if (teacherLayers.length != s.numLayers()) {
            throw new IllegalArgumentException("layer list " + Arrays.toString(teacherLayers) + " has "
                    + teacherLayers.length + " entries but the target has " + s.numLayers() + " layers");
        }
        return forLayers(stats, s, teacherLayers.clone(), score);
    }

    private static PrunePlan forLayers(CalibrationStats stats, EncoderConfig s, int[] layers, ImportanceScore score) {
        int n = s.numLayers();
        double[][] headScores = stats.headScores(score);
        double[][] neuronScores = stats.neuronScores(score);
        int[][] heads = new int[n][];
        int[][][] qk = new int[n][][];
        int[][][] v = new int[n][][];
        int[][] neurons = new int[n][];
        for (int i = 0; i < n; i++) {
            int l = layers[i];
            if (l < 0 || l >= headScores.length) {
                throw new IllegalArgumentException("teacher layer " + l + " is outside [0, " + headScores.length + ")");
            }
            heads[i] = top(headScores[l], s.numHeads());
            neurons[i] = top(neuronScores[l], s.intermediateSize());
            qk[i] = new int[s.numHeads()][];
            v[i] = new int[s.numHeads()][];
            for (int h = 0; h < s.numHeads(); h++) {
                qk[i][h] = top(stats.queryKeyDimScores(l, heads[i][h]), s.headSize());
                v[i][h] = top(stats.valueDimScores(l, heads[i][h], score), s.headSize());
            }
        }
        return new PrunePlan(stats.config(), s, layers, top(stats.channelAbs(), s.hiddenSize()), heads, qk, v, neurons);
    }

    /** The indices of the k largest scores (ties to the lower index), in increasing order. */
    static int[] top(double[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }

    /**
     * What is kept, one line per item; with statistics, also the share of the total score that
     * the kept units carry (the higher, the less was lost).
     *
     * @param stats the statistics the plan came from, or {@code null}
     * @param score the scoring used for heads and neurons
     * @return the text, lines ending with the platform's line separator
     */
    public String summary(CalibrationStats stats, ImportanceScore score) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "teacher: %d layers, hidden %d, %d heads x %d, FFN %d%n",
                teacher.numLayers(), teacher.hiddenSize(), teacher.numHeads(), teacher.headSize(),
                teacher.intermediateSize()));
        sb.append(String.format(Locale.ROOT, "student: %d layers, hidden %d, %d heads x %d, FFN %d%n",
                student.numLayers(), student.hiddenSize(), student.numHeads(), student.headSize(),
                student.intermediateSize()));
        sb.append("kept teacher layers: ").append(Arrays.toString(layers));
        if (stats != null) {
            sb.append("  (block influence per teacher layer: ").append(format(stats.blockInfluence())).append(')');
        }
        sb.append(String.format(Locale.ROOT, "%nhidden channels: %d of %d kept%s%n", channels.length,
                teacher.hiddenSize(), stats == null ? "" : share(stats.channelAbs(), channels)));
        double[][] headScores = stats == null ? null : stats.headScores(score);
        double[][] neuronScores = stats == null ? null : stats.neuronScores(score);
        for (int i = 0; i < layers.length; i++) {
            int l = layers[i];
            sb.append(String.format(Locale.ROOT, "layer %d (teacher %d): heads %s%s; FFN %d of %d%s", i, l,
                    Arrays.toString(heads[i]), headScores == null ? "" : share(headScores[l], heads[i]),
                    neurons[i].length, teacher.intermediateSize(),
                    neuronScores == null ? "" : share(neuronScores[l], neurons[i])));
            if (student.headSize() < teacher.headSize()) {
                sb.append(String.format(Locale.ROOT, "; head dims %d of %d", student.headSize(), teacher.headSize()));
                if (stats != null) {
                    double qk = 0;
                    double v = 0;
                    for (int h = 0; h < heads[i].length; h++) {
                        qk += fraction(stats.queryKeyDimScores(l, heads[i][h]), queryKeyDims[i][h]);
                        v += fraction(stats.valueDimScores(l, heads[i][h], score), valueDims[i][h]);
                    }
                    sb.append(String.format(Locale.ROOT, " (q/k %.1f%%, v %.1f%% of the score)",
                            100 * qk / heads[i].length, 100 * v / heads[i].length));
                }
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String share(double[] scores, int[] kept) {
        double all = Arrays.stream(scores).sum();
        return all > 0 ? String.format(Locale.ROOT, " (%.1f%% of the score)", 100 * fraction(scores, kept)) : "";
    }

    private static double fraction(double[] scores, int[] kept) {
        double all = Arrays.stream(scores).sum();
        double k = Arrays.stream(kept).mapToDouble(i -> scores[i]).sum();
        return all > 0 ? k / all : 1;
    }

    private static String format(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", x));
        }
        return sb.toString();
    }
}
