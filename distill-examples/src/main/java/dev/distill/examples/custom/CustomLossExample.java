package dev.distill.examples.custom;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.Devices;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.data.WordNetText;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.FrozenTeacher;
import dev.distill.core.train.TrainableModel;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A user's own loss, two ways, as small as it can be. Both distil bge-small-en-v1.5 into a
 * 2-layer copy of it (teacher layers 0 and 6) on WordNet glosses for a few steps.
 *
 * <ol>
 *   <li>Through the {@link DistillationLoss} interface: {@link PooledMse}, the mean squared
 *       difference of the pooled sentence embeddings, passed to a plain {@link DistillationTrainer}.</li>
 *   <li>Through a trainer subclass: {@link CosineTrainer} overrides {@code computeLoss} with
 *       1 − cos(student, teacher) of the pooled embeddings.</li>
 * </ol>
 *
 * <pre>{@code ./distill custom-loss --steps 20}</pre>
 */
@Command(name = "custom-loss", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A user-written loss, once through the DistillationLoss interface and once",
                "through a trainer subclass overriding computeLoss, each trained a few steps",
                "(bge-small-en-v1.5 -> 2 copied layers, WordNet glosses).",
                ""})
public final class CustomLossExample implements Callable<Integer> {

    /** Way 1: a loss is one method. (B, H) pooled embeddings; L = mean over B·H of (s − t)². */
    public static final class PooledMse implements DistillationLoss {
        @Override
        public LossOutput compute(StepContext ctx) {
            NDArray s = ctx.student().pooled();
            NDArray t = ctx.teacher().pooled(); // detached: the teacher is frozen
            return LossOutput.of("pooled_mse", s.sub(t).square().mean());
        }
    }

    /** Way 2: a trainer subclass. L = mean over B of 1 − s·t / (‖s‖·‖t‖) on the pooled embeddings. */
    public static final class CosineTrainer extends DistillationTrainer {
        public CosineTrainer(FrozenTeacher teacher, TrainableModel student, TrainerConfig config) {
            super(teacher, student, null, config); // no DistillationLoss: computeLoss is ours
        }

        @Override
        protected LossOutput computeLoss(StepContext ctx) {
            NDArray s = ctx.student().pooled();
            NDArray t = ctx.teacher().pooled();
            NDArray cos = s.mul(t).sum(new int[] {1}).div(s.norm(new int[] {1}).mul(t.norm(new int[] {1})));
            return LossOutput.of("cosine_distance", cos.neg().add(1f).mean());
        }
    }

    @Option(names = "--steps", defaultValue = "20", description = "Steps per way (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch-size", defaultValue = "16", description = "Glosses per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--examples", defaultValue = "512", description = "WordNet glosses used (default: ${DEFAULT-VALUE}).")
    int examples;

    @Option(names = "--max-length", defaultValue = "32", description = "Glosses cut to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--out", defaultValue = "runs/custom-loss", description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() {
        Device dev = Devices.parse(device);
        try (LoadedModel teacher = ModelLoader.load("bge-small-en-v1.5", dev, maxLength);
                NDManager studentManager = NDManager.newBaseManager(dev)) {
            List<TokenizedExample> data = new ArrayList<>();
            TextPipeline pipeline = TextPipeline.unlabelled(teacher.tokenizer());
            try (RecordStream<TextExample> glosses = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
                while (glosses.hasNext() && data.size() < examples) {
                    data.add(pipeline.tokenize(glosses.next()));
                }
            }
            long pad = teacher.encoder().config().padTokenId();
            EncoderTeacher frozen = new EncoderTeacher(teacher.encoder());
            TrainerConfig config = TrainerConfig.builder().setSteps(steps).optLearningRate(1e-4f)
                    .optLogInterval(Math.max(1, steps / 4)).optDevices(dev, dev).build();

            // Way 1: the loss through the interface, the trainer as it is.
            Encoder s1 = Students.fromTeacherLayers(teacher.encoder(), new int[] {0, 6}, null, studentManager, 1);
            DistillationTrainer viaInterface = new DistillationTrainer(frozen, new EncoderStudent(s1), new PooledMse(),
                    config);
            report("DistillationLoss PooledMse", viaInterface,
                    new ExampleBatchSource(data, batchSize, LabelKind.NONE, null, pad, 1), out.resolve("interface"));

            // Way 2: the loss in a trainer subclass.
            Encoder s2 = Students.fromTeacherLayers(teacher.encoder(), new int[] {0, 6}, null, studentManager, 1);
            DistillationTrainer viaSubclass = new CosineTrainer(frozen, new EncoderStudent(s2), config);
            report("CosineTrainer.computeLoss", viaSubclass,
                    new ExampleBatchSource(data, batchSize, LabelKind.NONE, null, pad, 1), out.resolve("subclass"));
        }
        return 0;
    }

    /** Trains and prints the first and last logged loss. */
    private static void report(String name, DistillationTrainer trainer, ExampleBatchSource data, Path runDir) {
        List<TrainingListener.StepReport> logs = new ArrayList<>();
        trainer.addListener(new TrainingListener() {
            @Override
            public void onLog(StepReport r) {
                logs.add(r);
            }
        });
        trainer.fit(data, runDir);
        if (logs.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-28s already trained in %s%n", name, runDir);
            return;
        }
        TrainingListener.StepReport first = logs.get(0);
        TrainingListener.StepReport last = logs.get(logs.size() - 1);
        System.out.printf(Locale.ROOT, "%-28s %s: %.5f at step %d -> %.5f at step %d (%s)%n", name,
                first.terms().keySet(), first.loss(), first.step(), last.loss(), last.step(), runDir);
    }

    /** Runs the example outside the {@code ./distill} command line. */
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.exit(new CommandLine(new CustomLossExample()).execute(args));
    }
}
