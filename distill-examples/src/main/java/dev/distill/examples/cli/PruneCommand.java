package dev.distill.examples.cli;

import dev.distill.core.Devices;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Students;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.prune.CalibrationStats;
import dev.distill.models.prune.ImportanceScore;
import dev.distill.models.prune.LayerSelection;
import dev.distill.models.prune.PruneOrigin;
import dev.distill.models.prune.PrunePlan;
import dev.distill.models.prune.PruneTarget;
import dev.distill.models.prune.Pruner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./distill prune}: a narrower, shallower student cut out of a teacher by measured importance. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Initialise a smaller student from a teacher by structured pruning: run the teacher on"
                + " calibration text, rank layers (Block Influence), attention heads and their dimensions, FFN"
                + " neurons and hidden channels by importance, keep the most important and slice every tensor."
                + " Writes a Hugging Face directory and prints what was kept. Sizes left out keep the teacher's."
                + " See docs/pruning.md.")
public final class PruneCommand implements Callable<Integer> {

    @Option(names = "--teacher", required = true, paramLabel = "<name|path>",
            description = "A known model name (bge-small-en-v1.5, all-MiniLM-L6-v2), a Hugging Face directory or a"
                    + " BERT-family .onnx file.")
    String teacher;

    @Option(names = "--layers", paramLabel = "N", description = "Student layers (at most the teacher's).")
    Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "Student hidden width (at most the teacher's).")
    Integer hidden;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads per layer (at most the teacher's).")
    Integer heads;

    @Option(names = "--head-size", paramLabel = "N",
            description = "Width of one head (at most the teacher's); default hidden / heads, which must divide.")
    Integer headSize;

    @Option(names = "--ffn", paramLabel = "N", description = "Feed-forward width (at most the teacher's).")
    Integer ffn;

    @Option(names = "--calibration", defaultValue = "default", paramLabel = "<default|file>",
            description = "Calibration text: 'default' (WordNet 3.1 glosses and usage sentences) or a UTF-8 file,"
                    + " one text per line. Texts equal to an STS test sentence are dropped (default: ${DEFAULT-VALUE}).")
    String calibration;

    @Option(names = "--calibration-size", defaultValue = "1024", paramLabel = "N",
            description = "Calibration texts, drawn at random with --seed (default: ${DEFAULT-VALUE}).")
    int calibrationSize;

    @Option(names = "--score", defaultValue = "contribution", paramLabel = "contribution|activation",
            description = "Head and neuron importance: contribution (activation x outgoing weight norm) or activation"
                    + " (magnitude alone) (default: ${DEFAULT-VALUE}).")
    String score;

    @Option(names = "--layer-selection", defaultValue = "block-influence-keep-last",
            paramLabel = "block-influence-keep-last|block-influence|uniform",
            description = "Which teacher layers to keep: the last plus those that change their input most, only"
                    + " those that change their input most, or evenly spaced (default: ${DEFAULT-VALUE}).")
    String layerSelection;

    @Option(names = "--teacher-layers", paramLabel = "i,j,...",
            description = "Keep exactly these teacher layers (0-based, increasing); overrides --layer-selection.")
    String teacherLayers;

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "Where the student is written.")
    Path out;

    @Option(names = "--max-length", defaultValue = "128", paramLabel = "N",
            description = "Truncate calibration texts to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Calibration texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the calibration sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
            description = "Where the teacher runs (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() {
        ImportanceScore scoring = parseEnum(ImportanceScore.class, score, "--score");
        LayerSelection selection = parseEnum(LayerSelection.class, layerSelection, "--layer-selection");
        try (LoadedModel t = ModelLoader.load(teacher, Devices.parse(device), maxLength)) {
            EncoderConfig tc = t.encoder().config();
            int l = layers != null ? layers : teacherLayers != null ? Students.parseLayers(teacherLayers).length
                    : tc.numLayers();
            int h = hidden != null ? hidden : tc.hiddenSize();
            int a = heads != null ? heads : tc.numHeads();
            int d = headSize != null ? headSize : 0;
            PruneTarget target = new PruneTarget(l, h, a, d, ffn != null ? ffn : tc.intermediateSize());
            target.studentConfig(tc); // refuse an impossible shape before any work
            CalibrationTexts.Loaded texts = CalibrationTexts.load(calibration, calibrationSize, seed);
            System.out.printf(Locale.ROOT, "calibration: %,d texts from %s (%,d equal to an STS test sentence"
                    + " dropped)%n", texts.texts().size(), texts.source(), texts.droppedAsStsTest());
            long start = System.nanoTime();
            CalibrationStats stats = CalibrationStats.measure(t.encoder(), t.tokenizer(), texts.texts(), t.manager(),
                    batchSize);
            PrunePlan plan = teacherLayers != null
                    ? PrunePlan.selectWithLayers(stats, target, scoring, Students.parseLayers(teacherLayers))
                    : PrunePlan.select(stats, target, scoring, selection);
            Encoder student = Pruner.apply(t.encoder(), plan, t.manager());
            Pruner.Result result = new Pruner.Result(student, plan, stats, scoring);
            double seconds = (System.nanoTime() - start) / 1e9;
            String summary = String.format(Locale.ROOT, "teacher %s; %,d calibration tokens; score %s, layers %s%n",
                    t.source(), stats.tokens(), name(scoring), teacherLayers != null ? "given" : name(selection))
                    + result.summary(t.encoder());
            System.out.print(summary);
            HfDirectory.save(student, t.tokenizer(), out);
            PruneOrigin.of(plan).write(out);
            writeProvenance(target, summary, texts);
            System.out.printf(Locale.ROOT, "wrote %s (%.1f s)%n", out, seconds);
        }
        return 0;
    }

    /** {@code pruning.txt} beside the weights: the equivalent command line and the summary. */
    private void writeProvenance(PruneTarget target, String summary, CalibrationTexts.Loaded texts) {
        String text = "./distill prune --teacher " + teacher + " --layers " + target.layers() + " --hidden "
                + target.hidden() + " --heads " + target.heads() + " --head-size " + target.effectiveHeadSize()
                + " --ffn " + target.ffn()
                + " --calibration " + calibration + " --calibration-size " + calibrationSize + " --seed " + seed
                + " --score " + score + (teacherLayers != null ? " --teacher-layers " + teacherLayers
                : " --layer-selection " + layerSelection) + " --max-length " + maxLength + "\n"
                + "calibration: " + texts.texts().size() + " texts from " + texts.source() + ", "
                + texts.droppedAsStsTest() + " dropped as STS test sentences\n" + summary;
        try {
            Files.writeString(out.resolve("pruning.txt"), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("pruning.txt") + ": " + e.getMessage(), e);
        }
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String option) {
        for (E e : type.getEnumConstants()) {
            if (name(e).equals(value.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        StringBuilder valid = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            valid.append(valid.length() == 0 ? "" : ", ").append(name(e));
        }
        throw new IllegalArgumentException(option + " '" + value + "' is not one of " + valid);
    }
}
