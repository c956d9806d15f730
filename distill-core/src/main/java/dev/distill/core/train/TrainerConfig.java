// Over 400 lines on purpose: one immutable configuration, its builder and the validation of every
// field, each documented where it is declared; splitting them would scatter that documentation.
package dev.distill.core.train;

import ai.djl.Device;
import com.google.gson.JsonObject;
import dev.distill.core.optim.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that decides how {@link DistillationTrainer#fit} trains, immutable, from a builder
 * that validates in {@link Builder#build()}.
 *
 * <p>A step is one optimizer update; with gradient accumulation it consumes {@link
 * #accumulation()} batches. The learning rate of update t (t completed updates before it) is
 * {@code schedule(t)}: linear warm-up from 0 over ⌈warmupFraction·steps⌉ updates to the peak
 * {@link #learningRate()}, then linear or cosine decay to 0 at {@link #steps()} (Hugging Face's
 * {@code get_linear_schedule_with_warmup} / {@code get_cosine_schedule_with_warmup}).
 *
 * <p>Fields split in two: those that decide the trajectory of the weights ({@link
 * #trajectoryFields()}: steps, learning rate, warm-up, schedule, weight decay, clipping,
 * accumulation, seed, fp16) must be equal to resume a run; the others (intervals, retention,
 * patience, devices, progress display) may change between sessions.
 */
public final class TrainerConfig {

    /** The decay after warm-up. */
    public enum Schedule {
        /** Linear decay to 0 at the last step. */
        LINEAR,
        /** Half a cosine down to 0 at the last step. */
        COSINE,
        /** The peak rate throughout (after warm-up, if any). */
        CONSTANT
    }

    /** How progress is shown on stderr. */
    public enum Progress {
        /** A redrawn bar when stderr is a terminal, plain lines otherwise. */
        AUTO,
        /** Always the redrawn bar. */
        BAR,
        /** One plain line per log interval. */
        LINES,
        /** Nothing on stderr (SLF4J logging and metrics.jsonl are still written). */
        OFF
    }

    private final long steps;
    private final float learningRate;
    private final double warmupFraction;
    private final Schedule schedule;
    private final float weightDecay;
    private final float clipNorm;
    private final int accumulation;
    private final long evalInterval;
    private final long checkpointInterval;
    private final long logInterval;
    private final int keepLast;
    private final int earlyStoppingPatience;
    private final long seed;
    private final boolean fp16;
    private final Device teacherDevice;
    private final Device studentDevice;
    private final Progress progress;
    private final ResumeMode resume;
    private final String lossVersion;

    private TrainerConfig(Builder b) {
        steps = b.steps;
        learningRate = b.learningRate;
        warmupFraction = b.warmupFraction;
        schedule = b.schedule;
        weightDecay = b.weightDecay;
        clipNorm = b.clipNorm;
        accumulation = b.accumulation;
        evalInterval = b.evalInterval;
        checkpointInterval = b.checkpointInterval;
        logInterval = b.logInterval;
        keepLast = b.keepLast;
        earlyStoppingPatience = b.earlyStoppingPatience;
        seed = b.seed;
        fp16 = b.fp16;
        teacherDevice = b.teacherDevice;
        studentDevice = b.studentDevice;
        progress = b.progress;
        resume = b.resume;
        lossVersion = b.lossVersion;
    }

    /**
     * {@return a builder with the defaults listed on its setters; only {@link Builder#setSteps} is required}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this configuration's values.
     *
     * @return a new builder, to derive a variant
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.steps = steps;
        b.learningRate = learningRate;
        b.warmupFraction = warmupFraction;
        b.schedule = schedule;
        b.weightDecay = weightDecay;
        b.clipNorm = clipNorm;
        b.accumulation = accumulation;
        b.evalInterval = evalInterval;
        b.checkpointInterval = checkpointInterval;
        b.logInterval = logInterval;
        b.keepLast = keepLast;
        b.earlyStoppingPatience = earlyStoppingPatience;
        b.seed = seed;
        b.fp16 = fp16;
        b.teacherDevice = teacherDevice;
        b.studentDevice = studentDevice;
        b.progress = progress;
        b.resume = resume;
        b.lossVersion = lossVersion;
        return b;
    }

    /** {@return optimizer updates in the whole run} */
    public long steps() {
        return steps;
    }

    /** {@return peak learning rate η} */
    public float learningRate() {
        return learningRate;
    }

    /** {@return fraction of {@link #steps()} spent warming up, in [0, 1)} */
    public double warmupFraction() {
        return warmupFraction;
    }

    /** {@return ⌈warmupFraction · steps⌉, as Hugging Face's {@code get_warmup_steps}} */
    public long warmupSteps() {
        return (long) Math.ceil(warmupFraction * steps);
    }

    /** {@return the decay after warm-up} */
    public Schedule schedule() {
        return schedule;
    }

    /**
     * The learning-rate schedule these settings describe.
     *
     * @return the schedule: warm-up, then the decay of {@link #schedule()}
     */
    public LearningRateSchedule learningRateSchedule() {
        switch (schedule) {
            case LINEAR:
                return LearningRateSchedule.linearWarmupLinearDecay(learningRate, warmupSteps(), steps);
            case COSINE:
                return LearningRateSchedule.linearWarmupCosineDecay(learningRate, warmupSteps(), steps);
            default:
                long w = warmupSteps();
                float peak = learningRate;
                return t -> t < w ? (float) (peak * (double) t / w) : peak;
        }
    }

    /** {@return AdamW's decoupled weight decay λ (biases and LayerNorm excluded)} */
    public float weightDecay() {
        return weightDecay;
    }

    /** {@return global gradient-norm bound c, or 0 for no clipping (the norm is still measured)} */
    public float clipNorm() {
        return clipNorm;
    }

    /** {@return the number of batches (micro-batches) per optimizer update, ≥ 1} */
    public int accumulation() {
        return accumulation;
    }

    /** {@return the evaluation interval in steps; 0 evaluates only at the end (if there is an evaluator)} */
    public long evalInterval() {
        return evalInterval;
    }

    /** {@return the checkpoint interval in steps; 0 checkpoints only at the end} */
    public long checkpointInterval() {
        return checkpointInterval;
    }

    /** {@return the interval in steps at which the loss is read, checked to be finite and logged} */
    public long logInterval() {
        return logInterval;
    }

    /** {@return the number of checkpoints kept besides the best one} */
    public int keepLast() {
        return keepLast;
    }

    /**
     * {@return the number of evaluations without improvement after which training stops; 0 never stops early}
     */
    public int earlyStoppingPatience() {
        return earlyStoppingPatience;
    }

    /** {@return the seed of parameter initialisation (projections) and dropout} */
    public long seed() {
        return seed;
    }

    /**
     * Whether the teacher must compute in float16 ({@link FrozenTeacher#dataType()}); the trainer
     * refuses a float32 teacher when set. Allowed on any device: on a GPU float16 is faster and
     * halves the teacher's memory, on CPU it only halves the memory (the trainer logs a warning).
     *
     * @return true if a float16 teacher is required
     */
    public boolean fp16() {
        return fp16;
    }

    /** {@return the device the teacher must be on, or null for wherever it is} */
    public Device teacherDevice() {
        return teacherDevice;
    }

    /** {@return the device the student must be on, or null for wherever it is} */
    public Device studentDevice() {
        return studentDevice;
    }

    /** {@return how progress is shown on stderr} */
    public Progress progress() {
        return progress;
    }

    /** What {@code fit} does with a directory that holds checkpoints; default {@link ResumeMode#IF_COMPATIBLE}. */
    public ResumeMode resume() {
        return resume;
    }

    /**
     * The user's version of the loss, recorded in each checkpoint's manifest ({@code loss.version});
     * resuming with another value is refused. Default {@code ""} (none).
     */
    public String lossVersion() {
        return lossVersion;
    }

    /**
     * The fields that decide the weights a run produces, as strings: a resumed run must have
     * the same ones.
     *
     * @return a new ordered map: steps, learningRate, warmupFraction, schedule, weightDecay, clipNorm,
     *         accumulation, seed, fp16
     */
    public Map<String, String> trajectoryFields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("steps", Long.toString(steps));
        m.put("learningRate", Float.toString(learningRate));
        m.put("warmupFraction", Double.toString(warmupFraction));
        m.put("schedule", schedule.name());
        m.put("weightDecay", Float.toString(weightDecay));
        m.put("clipNorm", Float.toString(clipNorm));
        m.put("accumulation", Integer.toString(accumulation));
        m.put("seed", Long.toString(seed));
        m.put("fp16", Boolean.toString(fp16));
        return m;
    }

    /** {@return every field as JSON, for the manifest (devices as their names, or null)} */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        trajectoryFields().forEach(o::addProperty);
        o.addProperty("evalInterval", evalInterval);
        o.addProperty("checkpointInterval", checkpointInterval);
        o.addProperty("logInterval", logInterval);
        o.addProperty("keepLast", keepLast);
        o.addProperty("earlyStoppingPatience", earlyStoppingPatience);
        o.addProperty("teacherDevice", teacherDevice == null ? null : teacherDevice.toString());
        o.addProperty("studentDevice", studentDevice == null ? null : studentDevice.toString());
        o.addProperty("progress", progress.name());
        o.addProperty("resume", resume.cliName());
        o.addProperty("lossVersion", lossVersion);
        return o;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainerConfig && toJson().equals(((TrainerConfig) o).toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "TrainerConfig" + toJson();
    }

    /** Builds a {@link TrainerConfig}; only {@link #setSteps} is required. */
    public static final class Builder {
        private long steps = -1;
        private float learningRate = 1e-4f;
        private double warmupFraction = 0.05;
        private Schedule schedule = Schedule.LINEAR;
        private float weightDecay = 0.01f;
        private float clipNorm = 1f;
        private int accumulation = 1;
        private long evalInterval = 0;
        private long checkpointInterval = 0;
        private long logInterval = 10;
        private int keepLast = 2;
        private int earlyStoppingPatience = 0;
        private long seed = 42;
        private boolean fp16 = false;
        private Device teacherDevice;
        private Device studentDevice;
        private Progress progress = Progress.AUTO;
        private ResumeMode resume = ResumeMode.IF_COMPATIBLE;
        private String lossVersion = "";

        private Builder() {}

        /**
         * Optimizer updates in the whole run (required).
         *
         * @param steps the number of updates, &gt; 0
         * @return this builder
         */
        public Builder setSteps(long steps) {
            this.steps = steps;
            return this;
        }

        /**
         * Peak learning rate; default 1e-4.
         *
         * @param learningRate η, finite and &gt; 0
         * @return this builder
         */
        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /**
         * Fraction of the steps spent warming up, in [0, 1); default 0.05.
         *
         * @param warmupFraction the fraction; 0 disables warm-up
         * @return this builder
         */
        public Builder optWarmupFraction(double warmupFraction) {
            this.warmupFraction = warmupFraction;
            return this;
        }

        /**
         * Decay after warm-up; default {@link Schedule#LINEAR}.
         *
         * @param schedule the decay; not null
         * @return this builder
         */
        public Builder optSchedule(Schedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /**
         * AdamW weight decay; default 0.01.
         *
         * @param weightDecay λ, finite and &ge; 0
         * @return this builder
         */
        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Global gradient-norm bound; 0 disables clipping; default 1.
         *
         * @param clipNorm c, finite and &ge; 0
         * @return this builder
         */
        public Builder optClipNorm(float clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        /**
         * Batches per optimizer update; default 1.
         *
         * @param accumulation batches per update, &gt; 0
         * @return this builder
         */
        public Builder optAccumulation(int accumulation) {
            this.accumulation = accumulation;
            return this;
        }

        /**
         * Evaluate every N steps; 0 (default) only at the end.
         *
         * @param evalInterval N &ge; 0
         * @return this builder
         */
        public Builder optEvalInterval(long evalInterval) {
            this.evalInterval = evalInterval;
            return this;
        }

        /**
         * Checkpoint every N steps; 0 (default) only at the end.
         *
         * @param checkpointInterval N &ge; 0
         * @return this builder
         */
        public Builder optCheckpointInterval(long checkpointInterval) {
            this.checkpointInterval = checkpointInterval;
            return this;
        }

        /**
         * Read and log the loss every N steps; default 10.
         *
         * @param logInterval N &gt; 0
         * @return this builder
         */
        public Builder optLogInterval(long logInterval) {
            this.logInterval = logInterval;
            return this;
        }

        /**
         * Checkpoints kept besides the best; default 2.
         *
         * @param keepLast the number kept, &gt; 0
         * @return this builder
         */
        public Builder optKeepLast(int keepLast) {
            this.keepLast = keepLast;
            return this;
        }

        /**
         * Evaluations without improvement before stopping; 0 (default) never stops early.
         *
         * @param patience evaluations, &ge; 0; &gt; 0 needs an evaluation interval
         * @return this builder
         */
        public Builder optEarlyStoppingPatience(int patience) {
            this.earlyStoppingPatience = patience;
            return this;
        }

        /**
         * Seed of parameter initialisation (projections) and dropout; default 42.
         *
         * @param seed any value
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Require a float16 teacher (see {@link TrainerConfig#fp16()}; make one with {@code
         * EncoderTeacher.of(encoder, DataType.FLOAT16)}); default false.
         *
         * @param fp16 true to require a float16 teacher
         * @return this builder
         */
        public Builder optFp16(boolean fp16) {
            this.fp16 = fp16;
            return this;
        }

        /**
         * Require the teacher and the student to be on these devices (null: no requirement).
         *
         * @param teacher the teacher's device, or null
         * @param student the student's device, or null
         * @return this builder
         */
        public Builder optDevices(Device teacher, Device student) {
            this.teacherDevice = teacher;
            this.studentDevice = student;
            return this;
        }

        /**
         * How progress is shown on stderr; default {@link Progress#AUTO}.
         *
         * @param progress the display; not null
         * @return this builder
         */
        public Builder optProgress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * What {@code fit} does with a directory that already holds checkpoints; default if-compatible.
         *
         * @param resume never, if compatible, or required
         * @return this builder
         */
        public Builder optResume(ResumeMode resume) {
            this.resume = Objects.requireNonNull(resume, "resume");
            return this;
        }

        /**
         * A version of your loss (e.g. "2" after editing its formula), stored in every checkpoint;
         * a run whose checkpoint has another version is refused instead of continuing with a mix.
         *
         * @param lossVersion any text; compared exactly after stripping blanks
         * @return this builder
         */
        public Builder optLossVersion(String lossVersion) {
            this.lossVersion = Objects.requireNonNull(lossVersion, "lossVersion").strip();
            return this;
        }

        /**
         * Validates every field and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first invalid field, its value, the rule and a usual
         *         value: steps unset or &le; 0, a rate or bound not finite or negative, an interval or count
         *         out of range, or early stopping without an evaluation interval
         */
        public TrainerConfig build() {
            if (steps <= 0) {
                throw new IllegalArgumentException(steps == -1
                        ? "steps is not set; call setSteps(n) with the number of optimizer updates"
                        : "steps (" + steps + ") must be > 0");
            }
            if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("learningRate (" + learningRate
                        + ") must be finite and > 0; 1e-5 to 1e-3 is usual");
            }
            if (!(warmupFraction >= 0 && warmupFraction < 1)) {
                throw new IllegalArgumentException("warmupFraction (" + warmupFraction
                        + ") must be in [0, 1); 0.05 to 0.1 is usual, 0 disables warm-up");
            }
            if (!(weightDecay >= 0f) || !Float.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weightDecay (" + weightDecay
                        + ") must be finite and >= 0; 0.01 is usual");
            }
            if (!(clipNorm >= 0f) || !Float.isFinite(clipNorm)) {
                throw new IllegalArgumentException("clipNorm (" + clipNorm
                        + ") must be finite and >= 0; 1.0 is usual, 0 disables clipping");
            }
            positive("accumulation", accumulation, "use 1 for no gradient accumulation");
            nonNegative("evalInterval", evalInterval, "use 0 to evaluate only at the end");
            nonNegative("checkpointInterval", checkpointInterval, "use 0 to checkpoint only at the end");
            positive("logInterval", logInterval, "use e.g. 10");
            positive("keepLast", keepLast, "keep at least the newest checkpoint, or resume is impossible");
            nonNegative("earlyStoppingPatience", earlyStoppingPatience, "use 0 to never stop early");
            if (earlyStoppingPatience > 0 && evalInterval == 0) {
                throw new IllegalArgumentException("earlyStoppingPatience (" + earlyStoppingPatience
                        + ") counts evaluations, but evalInterval is 0 (evaluate only at the end); "
                        + "set optEvalInterval(n) or patience 0");
            }
            return new TrainerConfig(this);
        }

        private static void positive(String name, long value, String fix) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " (" + value + ") must be > 0; " + fix);
            }
        }

        private static void nonNegative(String name, long value, String fix) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " (" + value + ") must be >= 0; " + fix);
            }
        }
    }

}
