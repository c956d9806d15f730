package dev.distill.models.io.onnx;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.LoadedModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.Head;
import java.util.List;

/** A small student trained a few steps here, so export tests see trained (not copied) weights. */
public final class TrainedStudent {

    /** Texts the student is trained on and the tests embed. */
    public static final List<String> SENTENCES = List.of(
            "A man is playing a guitar on the street corner.",
            "The central bank raised interest rates by a quarter of a percentage point on Wednesday.",
            "Two dogs are running through a field of tall grass.",
            "Ok.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "What time does the last train to the airport leave?");

    private TrainedStudent() {}

    /**
     * Teacher layers 0, 5 and 11 with {@code pooling} and {@code head}, then five SGD steps pulling
     * its last hidden state toward the teacher's (MSE, plus the logits' squares when a head is given).
     */
    public static Encoder build(LoadedModel teacher, Pooling pooling, Head head, NDManager m) {
        Encoder copied = Students.fromTeacherLayers(teacher.encoder(), new int[] {0, 5, 11},
                head == null ? null : head.emptyCopy(), m, 3);
        Encoder student = new Encoder(copied.config(), pooling, head);
        student.loadState(m, copied.stateDict(), true);
        student.setTrainable(true);
        for (int step = 0; step < 5; step++) {
            try (NDManager s = m.newSubManager()) {
                TokenBatch batch = teacher.tokenizer().batch(SENTENCES, s);
                NDArray target = teacher.encoder().forward(batch, false).lastHiddenState();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    ModelOutputs o = student.forward(batch, true);
                    NDArray loss = o.lastHiddenState().sub(target).square().mean();
                    if (o.logits() != null) {
                        loss = loss.add(o.logits().square().mean());
                    }
                    gc.backward(loss);
                }
                for (Parameter p : student.namedParameters().values()) {
                    NDArray w = p.getArray();
                    w.subi(Scalars.mul(w.getGradient(), 0.05f));
                    w.getGradient().subi(w.getGradient());
                }
            }
        }
        student.setTrainable(false);
        return student;
    }
}
