package dev.distill.examples.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainableModel;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingListener;
import dev.distill.core.train.TrainingResult;
import dev.distill.losses.AttentionLoss;
import dev.distill.losses.HiddenStateLoss;
import dev.distill.losses.WeightedSumLoss;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A child JVM for the resume tests: distils a random 4-layer teacher into a 2-layer, narrower
 * student (hidden states through a projection, attention scores, dropout on) over synthetic
 * token sequences.
 *
 * <pre>
 * TrainMain RUN_DIR STEPS STOP_AT SLOW_AT
 *   STOP_AT  stop (requestStop) after this step, or 0 to run to the end
 *   SLOW_AT  announce "WRITING n" on stdout and stall while writing the checkpoint of step n
 *            (so the parent can kill the process mid-write), or 0
 * </pre>
 *
 * Prints {@code RESUMED <dir>} when it resumed and {@code DONE <step>} at the end.
 */
public final class TrainMain {

    static final int STEPS_PER_CHECKPOINT = 2;

    public static void main(String[] args) throws Exception {
        OneThread.use();
        Path run = Path.of(args[0]);
        long steps = Long.parseLong(args[1]);
        long stopAt = Long.parseLong(args[2]);
        long slowAt = Long.parseLong(args[3]);
        try (NDManager root = NDManager.newBaseManager()) {
            EncoderConfig tc = EncoderConfig.builder().setVocabSize(120).optMaxPositions(16).setNumLayers(4)
                    .setHiddenSize(32).setNumHeads(4).setIntermediateSize(64).build();
            EncoderConfig sc = tc.toBuilder().setNumLayers(2).setHiddenSize(24).setIntermediateSize(48).build();
            EncoderTeacher teacher = new EncoderTeacher(Students.fromConfig(tc, Pooling.MEAN, null, root.newSubManager(), 1));
            EncoderStudent student = new EncoderStudent(Students.fromConfig(sc, Pooling.MEAN, null, root.newSubManager(), 2));
            long[] current = {0};
            TrainableModel model = slowAt > 0 ? stalling(student, current, slowAt) : student;
            DistillationTrainer trainer = new DistillationTrainer(teacher, model, loss(), config(steps).build());
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStepEnd(StepEnd e) {
                    current[0] = e.step();
                    if (e.step() == stopAt) {
                        trainer.requestStop();
                    }
                }
            });
            TrainingResult r = trainer.fit(data(), run);
            if (r.resumedFrom() != null) {
                System.out.println("RESUMED " + r.resumedFrom());
            }
            System.out.println("DONE " + r.step());
            System.out.flush();
        }
    }

    static TrainerConfig.Builder config(long steps) {
        return TrainerConfig.builder().setSteps(steps).optLearningRate(3e-3f).optWarmupFraction(0.2)
                .optCheckpointInterval(STEPS_PER_CHECKPOINT).optKeepLast(3).optLogInterval(3).optSeed(9)
                .optProgress(TrainerConfig.Progress.OFF);
    }

    static WeightedSumLoss loss() {
        return WeightedSumLoss.builder()
                .add("hidden", 1, HiddenStateLoss.builder().optName("hidden").optMapping(LayerMapping.uniform()).build())
                .add("attention", 0.1, AttentionLoss.builder().optMapping(LayerMapping.uniform()).build())
                .build();
    }

    static Newsgroups.Batches data() {
        Random r = new Random(4);
        List<Newsgroups.Example> examples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long[] ids = new long[4 + r.nextInt(12)];
            ids[0] = 2; // [CLS]
            for (int j = 1; j < ids.length; j++) {
                ids[j] = 4 + r.nextInt(116);
            }
            examples.add(new Newsgroups.Example(ids, r.nextInt(3)));
        }
        return new Newsgroups.Batches(examples, 8, 5);
    }

    /** The student, stalling in stateDict() while the checkpoint of step {@code slowAt} is written. */
    static TrainableModel stalling(EncoderStudent s, long[] current, long slowAt) {
        return new TrainableModel() {
            @Override
            public Map<String, TensorData> stateDict() {
                if (current[0] == slowAt) {
                    System.out.println("WRITING " + slowAt);
                    System.out.flush();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return s.stateDict();
            }

            @Override
            public ModelOutputs forward(TokenBatch batch, boolean training) {
                return s.forward(batch, training);
            }

            @Override
            public Map<String, Parameter> namedParameters() {
                return s.namedParameters();
            }

            @Override
            public void loadState(Map<String, TensorData> state) {
                s.loadState(state);
            }

            @Override
            public ModelDims dims() {
                return s.dims();
            }

            @Override
            public Device device() {
                return s.device();
            }

            @Override
            public NDManager manager() {
                return s.manager();
            }

            @Override
            public String configFingerprint() {
                return s.configFingerprint();
            }

            @Override
            public String description() {
                return s.description();
            }
        };
    }
}
