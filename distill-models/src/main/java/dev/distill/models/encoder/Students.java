package dev.distill.models.encoder;

import ai.djl.ndarray.NDManager;
import dev.distill.core.io.TensorData;
import dev.distill.models.heads.Head;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ways to build a student encoder.
 *
 * <ul>
 *   <li>From a configuration, randomly initialised: {@code Students.fromConfig(EncoderConfig.tinyBert4(), …)}.
 *   <li>From a teacher, keeping its width and copying its embeddings and a chosen subset of its
 *       layers (DistilBERT, Sanh et al. 2019: "we initialize the student from the teacher by
 *       taking one layer out of two"): {@link #fromTeacherLayers}, {@link #everyOtherLayer}.
 * </ul>
 */
public final class Students {

    private Students() {}

    /**
     * A randomly initialised student (BERT's N(0, 0.02²) initialisation, seeded).
     *
     * @param config the student's shape
     * @param pooling how its sentence embedding is computed
     * @param head a task head, or null
     * @param manager the owner of its weights (and their device)
     * @param seed the initialisation seed
     * @return the student, weights initialised
     */
    public static Encoder fromConfig(EncoderConfig config, Pooling pooling, Head head, NDManager manager, long seed) {
        Encoder e = new Encoder(config, pooling, head);
        e.initializeWeights(manager, seed);
        return e;
    }

    /**
     * A student as wide as the teacher with {@code layers.length} layers, student layer i a copy
     * of teacher layer {@code layers[i]} (0-based), embeddings copied. A head, if given, is
     * copied from the teacher when the teacher has the same head (same parameter names and
     * shapes), else initialised randomly.
     *
     * @param teacher the teacher, weights initialised
     * @param layers strictly increasing teacher layer indices in [0, teacher layers)
     * @param head the student's head, or {@code null}
     * @param manager the owner of the student's weights (and their device)
     * @param seed the seed of what is initialised randomly (a head the teacher lacks)
     * @return the student
     * @throws IllegalArgumentException if the list is empty, not strictly increasing or out of range
     */
    public static Encoder fromTeacherLayers(Encoder teacher, int[] layers, Head head, NDManager manager, long seed) {
        EncoderConfig tc = teacher.config();
        if (layers.length == 0) {
            throw new IllegalArgumentException("a student needs at least one layer; got an empty layer list");
        }
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 0 || layers[i] >= tc.numLayers()) {
                throw new IllegalArgumentException("teacher layer " + layers[i] + " in " + Arrays.toString(layers)
                        + " is out of range; the teacher has layers 0.." + (tc.numLayers() - 1));
            }
            if (i > 0 && layers[i] <= layers[i - 1]) {
                throw new IllegalArgumentException("teacher layers " + Arrays.toString(layers)
                        + " must be strictly increasing");
            }
        }
        EncoderConfig sc = tc.toBuilder().setNumLayers(layers.length).build();
        Encoder student = new Encoder(sc, teacher.pooling(), head);
        student.initializeWeights(manager, seed);
        Map<String, TensorData> source = teacher.stateDict();
        Map<String, TensorData> mapped = new LinkedHashMap<>();
        String layerPrefix = "encoder.layer.";
        for (Map.Entry<String, TensorData> e : source.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(layerPrefix)) {
                int dot = name.indexOf('.', layerPrefix.length());
                int teacherLayer = Integer.parseInt(name.substring(layerPrefix.length(), dot));
                int studentLayer = indexOf(layers, teacherLayer);
                if (studentLayer >= 0) {
                    mapped.put(layerPrefix + studentLayer + name.substring(dot), e.getValue());
                }
            } else if (student.namedParameters().containsKey(name)
                    && student.namedParameters().get(name).getShape().equals(e.getValue().djlShape())) {
                mapped.put(name, e.getValue());
            }
        }
        student.loadState(manager, mapped, false);
        return student;
    }

    /**
     * Layers 0, 2, 4, … of the teacher: half its depth (rounded up), DistilBERT's initialisation.
     *
     * @param teacher the teacher, weights initialised
     * @param head the student's head, or {@code null}
     * @param manager the owner of the student's weights
     * @param seed the seed of what is initialised randomly
     * @return the student, ⌈N / 2⌉ layers
     */
    public static Encoder everyOtherLayer(Encoder teacher, Head head, NDManager manager, long seed) {
        return fromTeacherLayers(teacher, everyOtherLayerSources(teacher.config().numLayers()), head, manager, seed);
    }

    /**
     * The teacher layers {@link #everyOtherLayer} copies: 0, 2, 4, … below {@code teacherLayers}.
     *
     * @param teacherLayers N &gt; 0
     * @return ⌈N / 2⌉ 0-based layer indices
     * @throws IllegalArgumentException if N is not positive
     */
    public static int[] everyOtherLayerSources(int teacherLayers) {
        if (teacherLayers <= 0) {
            throw new IllegalArgumentException("teacherLayers (" + teacherLayers + ") must be positive");
        }
        int n = (teacherLayers + 1) / 2;
        int[] layers = new int[n];
        for (int i = 0; i < n; i++) {
            layers[i] = 2 * i;
        }
        return layers;
    }


    private static int indexOf(int[] values, int v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Parses a comma-separated layer list such as {@code 0,2,4,6,8,10}.
     *
     * @param spec integers separated by commas, spaces allowed
     * @return the integers, in order (not checked against a teacher)
     * @throws IllegalArgumentException if an entry is not an integer
     */
    public static int[] parseLayers(String spec) {
        try {
            return Arrays.stream(spec.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layer list '" + spec + "' must be comma-separated integers, e.g. 0,2,4", e);
        }
    }

}
