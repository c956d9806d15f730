package dev.distill.examples.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.MemoryEstimate;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.train.EncoderTeacher;
import java.util.Locale;

/**
 * The teacher and the student shape a benchmark runs: a random-weight teacher of any shape
 * ({@code --teacher random}) or a pretrained one, and randomly initialised students of the
 * requested shape with the teacher's vocabulary. Timings do not depend on the weights' values,
 * so random weights measure any shape without downloading it.
 */
final class BenchModels implements AutoCloseable {

    /** Shape flags as given; null means "the default" (see {@link BenchCommand}). */
    record Shape(String teacher, Integer teacherLayers, Integer hidden, Integer heads, Integer ffn, Integer vocab,
            Integer studentLayers, Integer studentHidden, Integer studentHeads, Integer studentFfn, int seq,
            long seed) {}

    static final int DEFAULT_TEACHER_LAYERS = 12;
    static final int DEFAULT_HIDDEN = 384;
    static final int DEFAULT_HEADS = 12;
    static final int DEFAULT_VOCAB = 30522;

    private final Device device;
    private final NDManager manager;
    private final LoadedModel loaded;
    private final Encoder teacherEncoder;
    private final EncoderTeacher teacher;
    private final EncoderConfig studentConfig;
    private final boolean mlmHead;
    private final String teacherSource;

    private BenchModels(Device device, NDManager manager, LoadedModel loaded, Encoder teacherEncoder,
            EncoderConfig studentConfig, boolean mlmHead, String teacherSource) {
        this.device = device;
        this.manager = manager;
        this.loaded = loaded;
        this.teacherEncoder = teacherEncoder;
        this.teacher = new EncoderTeacher(teacherEncoder);
        this.studentConfig = studentConfig;
        this.mlmHead = mlmHead;
        this.teacherSource = teacherSource;
    }

    static BenchModels create(Shape s, boolean mlmHead, Device device) {
        if (s.seq() < 1) {
            throw new IllegalArgumentException("--seq (" + s.seq() + ") must be positive");
        }
        NDManager manager = NDManager.newBaseManager(device);
        try {
            boolean random = s.teacher().equalsIgnoreCase("random");
            LoadedModel loaded = null;
            Encoder teacher;
            if (random) {
                int hidden = or(s.hidden(), DEFAULT_HIDDEN);
                EncoderConfig tc = config(or(s.vocab(), DEFAULT_VOCAB), or(s.teacherLayers(), DEFAULT_TEACHER_LAYERS),
                        hidden, or(s.heads(), DEFAULT_HEADS), or(s.ffn(), 4 * hidden), s.seq(), "teacher");
                MemoryEstimate.requireParametersFit(tc, device, "bench --teacher random (--teacher-layers, --hidden,"
                        + " --ffn, --vocab, --seq)");
                teacher = Students.fromConfig(tc, Pooling.CLS, mlmHead ? new MaskedLmHead(tc) : null, manager,
                        s.seed() + 1);
            } else {
                for (Object[] flag : new Object[][] {{"--teacher-layers", s.teacherLayers()}, {"--hidden", s.hidden()},
                        {"--heads", s.heads()}, {"--ffn", s.ffn()}, {"--vocab", s.vocab()}}) {
                    if (flag[1] != null) {
                        throw new IllegalArgumentException(flag[0] + " sets the shape of a random teacher, but --teacher is '"
                                + s.teacher() + "', whose shape is fixed; drop " + flag[0] + " or use --teacher random");
                    }
                }
                if (mlmHead) {
                    throw new IllegalArgumentException("the kd loss needs vocabulary logits, but '" + s.teacher()
                            + "' has no MLM head here; use --teacher random with kd, or drop kd from --losses");
                }
                loaded = ModelLoader.load(s.teacher(), device, s.seq());
                teacher = loaded.encoder();
            }
            EncoderConfig tc = teacher.config();
            if (s.seq() > tc.maxPositions()) {
                throw new IllegalArgumentException("--seq " + s.seq() + " exceeds the teacher's " + tc.maxPositions()
                        + " positions; use --seq " + tc.maxPositions() + " or less");
            }
            int sHidden = or(s.studentHidden(), tc.hiddenSize());
            int sHeads = or(s.studentHeads(), tc.numHeads());
            int sFfn = or(s.studentFfn(), (int) Math.round((double) tc.intermediateSize() * sHidden / tc.hiddenSize()));
            int sLayers = or(s.studentLayers(), Math.max(1, tc.numLayers() / 2));
            EncoderConfig sc = config(tc.vocabSize(), sLayers, sHidden, sHeads, sFfn, tc.maxPositions(), "student")
                    .toBuilder().optHiddenAct(tc.hiddenAct()).optLayerNormEps(tc.layerNormEps())
                    .optTypeVocabSize(tc.typeVocabSize()).optPadTokenId(tc.padTokenId()).build();
            String source = random ? "random" : loaded.source();
            return new BenchModels(device, manager, loaded, teacher, sc, mlmHead, source);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static EncoderConfig config(int vocab, int layers, int hidden, int heads, int ffn, int maxPositions,
            String role) {
        if (heads > 0 && hidden % heads != 0) {
            throw new IllegalArgumentException(role + " hidden size " + hidden + " is not divisible by its " + heads
                    + " heads; choose a width that is a multiple of the head count (e.g. " + (hidden / heads) * heads
                    + ")");
        }
        return EncoderConfig.builder().setVocabSize(vocab).setNumLayers(layers).setHiddenSize(hidden)
                .setNumHeads(heads).setIntermediateSize(ffn).optMaxPositions(Math.max(512, maxPositions)).build();
    }

    private static int or(Integer v, int dflt) {
        return v != null ? v : dflt;
    }

    /** A fresh, randomly initialised student of the requested shape, owned by {@code owner}. */
    Encoder newStudent(NDManager owner, long seed) {
        return Students.fromConfig(studentConfig, teacherEncoder.pooling(),
                mlmHead ? new MaskedLmHead(studentConfig) : null, owner, seed);
    }

    Device device() {
        return device;
    }

    NDManager manager() {
        return manager;
    }

    EncoderTeacher teacher() {
        return teacher;
    }

    Encoder teacherEncoder() {
        return teacherEncoder;
    }

    EncoderConfig teacherConfig() {
        return teacherEncoder.config();
    }

    EncoderConfig studentConfig() {
        return studentConfig;
    }

    boolean mlmHead() {
        return mlmHead;
    }

    /** FLOPs of one forward pass of the teacher over (batch, seq). */
    double teacherForwardFlops(int batch, int seq) {
        return forwardFlops(teacherConfig(), batch, seq);
    }

    /** FLOPs of one forward pass of the student over (batch, seq). */
    double studentForwardFlops(int batch, int seq) {
        return forwardFlops(studentConfig, batch, seq);
    }

    private double forwardFlops(EncoderConfig c, int batch, int seq) {
        return Flops.encoderForward(batch, seq, c.numLayers(), c.hiddenSize(), c.numHeads(), c.headSize(),
                c.intermediateSize(), mlmHead ? c.vocabSize() : 0);
    }

    String teacherDescription() {
        return teacherSource + " " + describe(teacherConfig());
    }

    String studentDescription() {
        return "random " + describe(studentConfig);
    }

    static String describe(EncoderConfig c) {
        return String.format(Locale.ROOT, "%dx%d (heads %d, ffn %d, vocab %d)", c.numLayers(), c.hiddenSize(),
                c.numHeads(), c.intermediateSize(), c.vocabSize());
    }

    @Override
    public void close() {
        if (loaded != null) {
            loaded.close();
        }
        manager.close();
    }
}
