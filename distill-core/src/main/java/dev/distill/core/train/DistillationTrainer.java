// Over 400 lines, and known to be too big (811 lines of code doing several jobs): splitting it into
// one loop with collaborators (checkpoint store, metrics sink, evaluation tracker, device bridge)
// is issue 16, not yet done.
package dev.distill.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.optim.AdamW;
import dev.distill.core.optim.LearningRateSchedule;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distils a frozen teacher into a trainable student: a hand-written loop (not DJL's {@code
 * Trainer}, which wraps one block, checks gradients falsely, evaluates the loss twice and cannot
 * save its optimizer) with checkpoints, exact resume, evaluation, guards and progress.
 *
 * <h2>One step</h2>
 *
 * <pre>
 * seed the engine with mix(seed, t)                  dropout of update t is a function of (seed, t)
 * open a sub-manager on the student's device         everything of the step lives there
 * repeat accumulation times:
 *   batch    = data.next(step manager)                (on the student's device)
 *   teacher  = teacherForward(batch on the teacher's device)   no GradientCollector open
 *   copy teacher outputs to the student's device (float16 → float32) when they differ
 *   open the GradientCollector
 *     student = studentForward(batch)
 *     loss    = computeLoss(StepContext)             computed once
 *     backward(loss / accumulation)
 *   close it
 * g = clip global gradient norm (kept as a device scalar)
 * AdamW.step(schedule(t)); zero gradients
 * close the sub-manager (only detached scalars escape, into the log interval's manager)
 * </pre>
 *
 * Nothing reads the device inside a step. Every {@code logInterval} steps, before every
 * evaluation and before every checkpoint, the scalars gathered since the last such point (each
 * loss term, the total and the gradient norm of every step) are read at once and checked: a
 * non-finite value stops the run with a {@link NonFiniteLossException} naming the step and the
 * term, before anything could be checkpointed. Checkpoints also refuse non-finite weights.
 *
 * <h2>Trained set</h2>
 *
 * The student's parameters whose arrays require gradients, plus every parameter that the loss
 * returns from {@link DistillationLoss#trainableParameters()} (projections), named {@code
 * loss.<name>} in the optimizer state. Both are optimised and checkpointed; only the student is
 * exported (projections are a training device).
 *
 * <h2>Hooks</h2>
 *
 * {@link #fit} is final. Subclasses change what happens through {@link #teacherForward}, {@link
 * #studentForward}, {@link #computeLoss}, {@link #configureOptimizer} and {@link #evaluate};
 * {@link TrainingListener}s are told when things happen.
 *
 * <pre>{@code
 * class MyTrainer extends DistillationTrainer {
 *     MyTrainer(FrozenTeacher t, TrainableModel s, TrainerConfig c) { super(t, s, null, c); }
 *
 *     @Override protected LossOutput computeLoss(StepContext ctx) {
 *         NDArray l = ctx.student().pooled().sub(ctx.teacher().pooled()).square().mean();
 *         return LossOutput.of("pooled_mse", l);
 *     }
 *
 *     @Override protected Evaluation evaluate(EvaluationContext ctx) {
 *         return myEvaluator.evaluate(ctx.student());
 *     }
 * }
 * TrainingResult r = new MyTrainer(teacher, student, config).fit(batches, Path.of("runs/x"));
 * }</pre>
 *
 * <h2>Checkpoints and resume</h2>
 *
 * See {@link Checkpoint} for the layout. {@link #fit} given a run directory that already holds
 * checkpoints resumes from the newest one that reads completely (an unreadable one is skipped
 * with a warning); it restores the student, the projections, AdamW's moments and step, the data
 * position, the best metric and the early-stopping count. The RNG state is (seed, step): the
 * engine is reseeded before every update, so dropout after resume is what it would have been.
 * A checkpoint made with other trajectory settings ({@link TrainerConfig#trajectoryFields()}),
 * another teacher, other data or another student architecture is refused with a {@link
 * ResumeMismatchException} listing every difference, and so is another {@link
 * TrainerConfig#lossVersion()}. {@link TrainerConfig#resume()} decides whether a directory with
 * checkpoints may (or must) be continued. A finished run (all steps done, or stopped early) is
 * not trained again: {@code fit} restores its final weights, says so and returns with {@link
 * TrainingResult#alreadyFinished()}. The directory is locked for the call ({@link RunLock}).
 *
 * <p>Not thread-safe; one {@code fit} at a time (DJL allows one open {@code GradientCollector}
 * per JVM). {@link #requestStop()} may be called from any thread.
 */
public class DistillationTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(DistillationTrainer.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Prefix of the loss's trainable parameters in the optimizer state. */
    public static final String LOSS_PREFIX = "loss.";

    private final FrozenTeacher teacher;
    private final TrainableModel student;
    private final DistillationLoss loss;
    private Set<String> trainedParameterIds = Set.of();
    private final TrainerConfig config;
    private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
    private Evaluator evaluator;
    private boolean lossInitialized;
    private PrintStream progressStream = System.err;
    private volatile boolean stopRequested;

    /**
     * What {@link #evaluate} sees: one object, so fields can be added without breaking overrides.
     *
     * @param step the number of completed optimizer updates
     * @param student the model being trained
     * @param manager a manager for temporaries, closed after the evaluation
     */
    public record EvaluationContext(long step, TrainableModel student, NDManager manager) {}

    /**
     * @param teacher the frozen teacher
     * @param student the model to train
     * @param loss the distillation loss, or {@code null} when a subclass overrides {@link #computeLoss}
     * @param config the run's settings
     * @throws NullPointerException if {@code teacher}, {@code student} or {@code config} is null
     */
    public DistillationTrainer(FrozenTeacher teacher, TrainableModel student, DistillationLoss loss,
            TrainerConfig config) {
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.student = Objects.requireNonNull(student, "student");
        this.loss = loss;
        this.config = Objects.requireNonNull(config, "config");
    }

    /** {@return the frozen teacher given to the constructor} */
    public FrozenTeacher teacher() {
        return teacher;
    }

    /** {@return the model being trained} */
    public TrainableModel student() {
        return student;
    }

    /** {@return the loss given to the constructor, or null} */
    public DistillationLoss loss() {
        return loss;
    }

    /** {@return the run's settings} */
    public TrainerConfig config() {
        return config;
    }

    /**
     * Adds a listener; they are called in the order added.
     *
     * @param listener the listener; not null
     * @return this trainer
     */
    public DistillationTrainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Sets the evaluator used by the default {@link #evaluate}; null for none.
     *
     * @param evaluator the evaluator, or null
     * @return this trainer
     */
    public DistillationTrainer setEvaluator(Evaluator evaluator) {
        this.evaluator = evaluator;
        return this;
    }

    /**
     * Where the progress bar goes (default {@code System.err}).
     *
     * @param stream the stream; not null
     * @return this trainer
     */
    public DistillationTrainer setProgressStream(PrintStream stream) {
        this.progressStream = Objects.requireNonNull(stream, "stream");
        return this;
    }

    /**
     * Asks a running {@link #fit} to stop after the current step: it checks the losses, writes a
     * checkpoint and returns with {@link TrainingResult#stopRequested()}. Resume later by calling
     * {@code fit} with the same run directory. Safe from any thread (e.g. a shutdown hook or a
     * listener).
     */
    public void requestStop() {
        stopRequested = true;
    }

    // ------------------------------------------------------------------ hooks

    /**
     * The teacher's outputs for one batch, called with no {@code GradientCollector} open.
     *
     * @param batch on the teacher's device
     * @return the teacher's outputs, detached from autograd
     */
    protected ModelOutputs teacherForward(TokenBatch batch) {
        return teacher.forward(batch);
    }

    /**
     * The student's outputs for one batch, called inside the step's {@code GradientCollector}.
     *
     * @param batch on the student's device
     * @return the student's outputs, in the autograd graph
     */
    protected ModelOutputs studentForward(TokenBatch batch) {
        return student.forward(batch, true);
    }

    /**
     * The loss of one batch, called once per batch inside the {@code GradientCollector}. The
     * default delegates to the loss given to the constructor. Create temporaries on {@code
     * ctx.manager()}; call ops on activations, not on parameters.
     *
     * @param ctx the batch, both models' outputs, the step and a manager for temporaries
     * @return the total (a scalar in the graph) and its named terms
     * @throws IllegalStateException if no loss was given and this method is not overridden
     */
    protected LossOutput computeLoss(StepContext ctx) {
        if (loss == null) {
            throw new IllegalStateException("no loss: pass a DistillationLoss to the DistillationTrainer "
                    + "constructor or override computeLoss(StepContext)");
        }
        return loss.compute(ctx);
    }

    /**
     * The optimizer over the trained set (student parameters by name, projections as {@code
     * loss.<name>}). Default: AdamW with the configured weight decay, none on biases and
     * LayerNorm.
     *
     * @param trainedParameters the arrays to train, by name
     * @return a new optimizer; the trainer closes it at the end of {@code fit}
     */
    protected AdamW configureOptimizer(Map<String, NDArray> trainedParameters) {
        return AdamW.builder().optWeightDecay(config.weightDecay()).build(trainedParameters);
    }

    /**
     * Evaluates the student, with no {@code GradientCollector} open, every {@code evalInterval}
     * steps and after the last one. Default: the evaluator set with {@link #setEvaluator}, or
     * null when there is none; a null result means "nothing evaluated" (no best tracking, no
     * early stopping).
     *
     * @param ctx the step, the student and a manager for temporaries
     * @return the evaluation, or null
     */
    protected Evaluation evaluate(EvaluationContext ctx) {
        return evaluator == null ? null : evaluator.evaluate(ctx.student());
    }

    // ------------------------------------------------------------------ fit

    /** Mutable state of one session. */
    private static final class Run {
        long step;
        double bestValue = Double.NaN;
        long bestStep = -1;
        String bestMetric;
        int evalsWithoutImprovement;
        long tokensSeen;
        Evaluation lastEvaluation;
        Path lastCheckpoint;
        Path resumedFrom;
        String finished; // why the resumed run was already finished, or null
        boolean stoppedEarly;
        long sessionStartStep;
        long sessionStartNanos;
        long lastLoggedStep = -1;
    }

    /** One step's device scalars, read at the next log point. */
    private static final class PendingStep {
        final long step;
        final float learningRate;
        long tokens;
        double seconds;
        final List<NDArray> totals = new ArrayList<>();
        final List<Map<String, NDArray>> terms = new ArrayList<>();
        NDArray gradNorm;

        PendingStep(long step, float learningRate) {
            this.step = step;
            this.learningRate = learningRate;
        }
    }

    /**
     * Trains until {@link TrainerConfig#steps()} updates are done, early stopping triggers or
     * {@link #requestStop()} is called; resumes from {@code runDirectory}'s newest checkpoint if
     * there is one.
     *
     * @param data the training batches (an endless stream; its position is checkpointed)
     * @param runDirectory where checkpoints and {@code metrics.jsonl} go
     * @return how the session ended: steps done, the last and best evaluations, the checkpoints,
     *     and whether it stopped early or on request
     * @throws NonFiniteLossException when a loss term or the gradient norm is NaN or infinite
     * @throws ResumeMismatchException when the directory's checkpoint was made with other settings
     * @throws RunDirectoryLockedException when another process is training in {@code runDirectory}
     * @throws IllegalStateException when {@link TrainerConfig#resume()} forbids what the directory holds
     */
    public final TrainingResult fit(BatchSource data, Path runDirectory) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(runDirectory, "runDirectory");
        stopRequested = false;
        checkDevices();
        Engine engine = Engine.getInstance();
        initializeLoss(engine);
        Map<String, Parameter> projections = projectionParameters();
        Map<String, NDArray> trained = trainedArrays(projections);
        trainedParameterIds = trainedIds(projections);
        ProgressDisplay progress = new ProgressDisplay(config.progress(), progressStream);
        Run run = new Run();
        try (RunLock lock = RunLock.acquire(runDirectory); AdamW optimizer = configureOptimizer(trained)) {
            resume(runDirectory, data, optimizer, projections, run);
            try (MetricsLog metrics = MetricsLog.open(runDirectory, run.step)) {
                TrainingResult result = loop(engine, data, runDirectory, optimizer, projections, metrics, progress, run);
                progress.finish();
                for (TrainingListener l : listeners) {
                    l.onFitEnd(result);
                }
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("training run " + runDirectory + " failed on I/O: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    private TrainingResult loop(Engine engine, BatchSource data, Path runDir, AdamW optimizer,
            Map<String, Parameter> projections, MetricsLog metrics, ProgressDisplay progress, Run run)
            throws IOException {
        long total = config.steps();
        LearningRateSchedule schedule = config.learningRateSchedule();
        float clip = config.clipNorm() > 0 ? config.clipNorm() : Float.MAX_VALUE;
        Device studentDevice = student.device();
        Device teacherDevice = teacher.device();
        run.sessionStartStep = run.step;
        run.sessionStartNanos = System.nanoTime();
        for (TrainingListener l : listeners) {
            l.onFitStart(new TrainingListener.FitStart(config, run.step, total, runDir, run.resumedFrom));
        }
        if (run.finished != null) { // say so and stop: nothing is trained, evaluated or written
            progress.message(run.finished);
            LOG.warn(run.finished);
            return new TrainingResult(run.step, total, run.stoppedEarly, false, null, run.bestValue, run.bestStep,
                    run.lastCheckpoint, bestCheckpoint(runDir, run), run.resumedFrom, true);
        }
        if (run.resumedFrom != null) {
            progress.message("resumed from " + run.resumedFrom + " at step " + run.step + "/" + total);
        }
        NDManager intervalManager = student.manager().newSubManager();
        List<PendingStep> pending = new ArrayList<>();
        try {
            while (run.step < total) {
                long t = run.step; // 0-based index of this update
                float lr = schedule.at(t);
                PendingStep record = new PendingStep(t + 1, lr);
                long start = System.nanoTime();
                engine.setRandomSeed(stepSeed(config.seed(), t));
                try (NDManager stepManager = student.manager().newSubManager();
                        NDManager teacherManager = stepManager.newSubManager(teacherDevice)) {
                    for (int micro = 0; micro < config.accumulation(); micro++) {
                        TokenBatch batch = data.next(stepManager);
                        record.tokens += batch.realTokens();
                        TokenBatch teacherBatch = teacherDevice.equals(batch.inputIds().getDevice())
                                ? batch : onDevice(batch, teacherDevice, teacherManager);
                        ModelOutputs teacherOut = toStudent(teacherForward(teacherBatch), studentDevice);
                        try (GradientCollector collector = engine.newGradientCollector()) {
                            ModelOutputs studentOut = studentForward(batch);
                            LossOutput out = computeLoss(new StepContext(teacherOut, studentOut, batch, t, stepManager,
                                    trainedParameterIds));
                            requireScalar(out, t + 1);
                            // Scaled with a scalar owned by the step: autograd keeps the factor
                            // until backward, and GradientAccumulation.scaleLoss frees its host
                            // scalar before that (its backing memory can be reused: garbage
                            // gradients), so it is not used here.
                            collector.backward(config.accumulation() == 1
                                    ? out.total() : Scalars.div(out.total(), (float) config.accumulation()));
                            keep(record, out, intervalManager);
                        }
                    }
                    record.gradNorm = optimizer.clipGradientNorm(intervalManager, clip);
                    optimizer.step(lr);
                    optimizer.zeroGradients();
                }
                run.step = t + 1;
                run.tokensSeen += record.tokens;
                record.seconds = (System.nanoTime() - start) / 1e9;
                pending.add(record);
                for (TrainingListener l : listeners) {
                    l.onStepEnd(new TrainingListener.StepEnd(run.step, total, lr, record.tokens, record.seconds));
                }
                progress.step(run.step, total, eta(run));

                boolean last = run.step == total;
                boolean evalNow = last || (config.evalInterval() > 0 && run.step % config.evalInterval() == 0);
                boolean checkpointNow = last || stopRequested
                        || (config.checkpointInterval() > 0 && run.step % config.checkpointInterval() == 0);
                boolean logNow = last || run.step % config.logInterval() == 0 || evalNow || checkpointNow;
                if (logNow) {
                    flush(pending, metrics, progress, run, data);
                    intervalManager.close();
                    intervalManager = student.manager().newSubManager();
                }
                boolean improved = false;
                if (evalNow) {
                    improved = runEvaluation(run, metrics, progress);
                    if (config.earlyStoppingPatience() > 0
                            && run.evalsWithoutImprovement >= config.earlyStoppingPatience()) {
                        run.stoppedEarly = !last;
                    }
                }
                if (checkpointNow || improved || run.stoppedEarly) {
                    writeCheckpoint(runDir, optimizer, projections, data, run, improved, progress);
                }
                if (run.stoppedEarly) {
                    progress.message("early stopping at step " + run.step + ": no improvement of "
                            + run.bestMetric + " in " + run.evalsWithoutImprovement + " evaluations (best "
                            + run.bestValue + " at step " + run.bestStep + ")");
                    break;
                }
                if (stopRequested && !last) {
                    progress.message("stopped on request at step " + run.step + "; resume with the same run directory");
                    break;
                }
            }
        } finally {
            intervalManager.close();
        }
        return new TrainingResult(run.step, total, run.stoppedEarly, stopRequested && run.step < total,
                run.lastEvaluation, run.bestValue, run.bestStep, run.lastCheckpoint, bestCheckpoint(runDir, run),
                run.resumedFrom, false);
    }

    private static Path bestCheckpoint(Path runDir, Run run) {
        return run.bestStep >= 0
                ? runDir.resolve(Checkpoint.CHECKPOINTS).resolve(Checkpoint.directoryName(run.bestStep)) : null;
    }

    /** Detached copies of the step's scalars, moved to the log interval's manager. */
    private static void keep(PendingStep record, LossOutput out, NDManager intervalManager) {
        NDArray totalValue = out.total().stopGradient();
        totalValue.attach(intervalManager);
        record.totals.add(totalValue);
        Map<String, NDArray> terms = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : out.terms().entrySet()) {
            NDArray v = e.getValue() == out.total() ? totalValue : e.getValue().stopGradient();
            v.attach(intervalManager);
            terms.put(e.getKey(), v);
        }
        record.terms.add(terms);
    }

    private void requireScalar(LossOutput out, long step) {
        if (out.total().getShape().size() != 1) {
            throw new IllegalStateException("computeLoss must return a scalar total, got shape "
                    + out.total().getShape() + " at step " + step + "; reduce it (e.g. .mean())");
        }
        if (!out.total().getDataType().isFloating()) {
            throw new IllegalStateException("computeLoss returned a total of type " + out.total().getDataType()
                    + " at step " + step + "; it must be a floating-point scalar");
        }
    }

    /**
     * Reads every scalar gathered since the last log point in one transfer, stops on a
     * non-finite value, and reports the newest step.
     */
    private void flush(List<PendingStep> pending, MetricsLog metrics, ProgressDisplay progress, Run run,
            BatchSource data) {
        if (pending.isEmpty()) {
            return;
        }
        NDList all = new NDList();
        for (PendingStep p : pending) {
            for (int m = 0; m < p.totals.size(); m++) {
                all.add(p.totals.get(m));
                all.addAll(new ArrayList<>(p.terms.get(m).values()));
            }
            all.add(p.gradNorm);
        }
        NDList flat = new NDList(all.size());
        for (NDArray a : all) {
            flat.add(a.toType(DataType.FLOAT32, false).reshape(1));
        }
        float[] values = NDArrays.concat(flat).toFloatArray();
        int i = 0;
        double loss = 0;
        Map<String, Double> terms = new LinkedHashMap<>();
        double gradNorm = 0;
        double intervalLoss = 0;
        long tokens = 0;
        double seconds = 0;
        for (PendingStep p : pending) {
            loss = 0;
            terms = new LinkedHashMap<>();
            int micro = p.totals.size();
            for (int m = 0; m < micro; m++) {
                float totalValue = values[i++];
                String bad = null;
                float badValue = 0;
                for (String name : p.terms.get(m).keySet()) {
                    float v = values[i++];
                    if (bad == null && !Float.isFinite(v)) {
                        bad = name;
                        badValue = v;
                    }
                    terms.merge(name, (double) v / micro, Double::sum);
                }
                if (!Float.isFinite(totalValue) || bad != null) {
                    throw nonFinite(p.step, bad == null ? "total" : bad, bad == null ? totalValue : badValue,
                            totalValue, run);
                }
                loss += (double) totalValue / micro;
            }
            float g = values[i++];
            if (!Float.isFinite(g)) {
                throw nonFinite(p.step, "gradient norm", g, loss, run);
            }
            gradNorm = g;
            intervalLoss += loss;
            tokens += p.tokens;
            seconds += p.seconds;
        }
        PendingStep newest = pending.get(pending.size() - 1);
        double tokensPerSecond = seconds > 0 ? tokens / seconds : 0;
        double secondsPerStep = seconds / pending.size();
        TrainingListener.StepReport report = new TrainingListener.StepReport(newest.step, config.steps(), loss,
                terms, newest.learningRate, gradNorm, tokensPerSecond, secondsPerStep, eta(run));
        JsonObject line = new JsonObject();
        line.addProperty("type", "train");
        line.addProperty("step", newest.step);
        line.addProperty("loss", loss);
        line.addProperty("loss_interval_mean", intervalLoss / pending.size());
        JsonObject termsJson = new JsonObject();
        terms.forEach(termsJson::addProperty);
        line.add("terms", termsJson);
        line.addProperty("lr", newest.learningRate);
        line.addProperty("grad_norm", gradNorm);
        line.addProperty("tokens_per_s", tokensPerSecond);
        line.addProperty("step_time_s", secondsPerStep);
        line.addProperty("elapsed_s", (System.nanoTime() - run.sessionStartNanos) / 1e9);
        line.addProperty("tokens_seen", run.tokensSeen);
        line.addProperty("epoch", data.position().epoch());
        metrics.write(line);
        progress.log(report);
        LOG.debug("step {}/{} loss {} terms {} lr {} grad {}", newest.step, config.steps(), loss, terms,
                newest.learningRate, gradNorm);
        for (TrainingListener l : listeners) {
            l.onLog(report);
        }
        run.lastLoggedStep = newest.step;
        pending.clear();
    }

    private NonFiniteLossException nonFinite(long step, String term, double value, double totalValue, Run run) {
        String where = run.lastCheckpoint != null ? "the last good checkpoint is " + run.lastCheckpoint
                : "no checkpoint had been written in this session";
        String what = term.equals("gradient norm")
                ? "the gradient norm is " + value + " (loss " + totalValue + ")"
                : "loss term '" + term + "' is " + value + (term.equals("total") ? "" : " (total " + totalValue + ")");
        String message = "non-finite value at step " + step + " of " + config.steps() + ": " + what
                + ". Training stopped and nothing after it was checkpointed; " + where
                + ". Lower the learning rate (now " + config.learningRate() + "), enable or tighten gradient "
                + "clipping (clipNorm " + config.clipNorm() + "), or check the inputs of that term; then resume.";
        LOG.error(message);
        return new NonFiniteLossException(step, term, value, message);
    }

    /** Seconds to the last step at this session's mean pace (NaN before the first step). */
    private double eta(Run run) {
        long done = run.step - run.sessionStartStep;
        if (done <= 0) {
            return Double.NaN;
        }
        double perStep = (System.nanoTime() - run.sessionStartNanos) / 1e9 / done;
        return perStep * (config.steps() - run.step);
    }

    private boolean runEvaluation(Run run, MetricsLog metrics, ProgressDisplay progress) {
        Evaluation e;
        try (NDManager m = student.manager().newSubManager()) {
            e = evaluate(new EvaluationContext(run.step, student, m));
        }
        if (e == null) {
            return false;
        }
        run.lastEvaluation = e;
        double value = e.primaryValue();
        boolean improved = run.bestMetric == null || e.direction().isBetter(value, run.bestValue);
        if (run.bestMetric != null && !run.bestMetric.equals(e.primary())) {
            throw new IllegalStateException("the primary metric changed from " + run.bestMetric + " to "
                    + e.primary() + " at step " + run.step + "; an evaluator must keep one primary metric");
        }
        if (improved) {
            run.bestMetric = e.primary();
            run.bestValue = value;
            run.bestStep = run.step;
            run.evalsWithoutImprovement = 0;
        } else {
            run.evalsWithoutImprovement++;
        }
        JsonObject line = new JsonObject();
        line.addProperty("type", "eval");
        line.addProperty("step", run.step);
        JsonObject values = new JsonObject();
        e.metrics().forEach((k, v) -> values.addProperty(k, Double.isFinite(v) ? v : null));
        line.add("metrics", values);
        line.addProperty("primary", e.primary());
        line.addProperty("best", run.bestValue);
        line.addProperty("best_step", run.bestStep);
        metrics.write(line);
        progress.message(String.format(java.util.Locale.ROOT, "eval at step %d: %s = %.4f%s", run.step,
                e.primary(), value, improved ? " (best)" : " (best " + run.bestValue + " at step " + run.bestStep + ")"));
        LOG.info("evaluation at step {}: {}", run.step, e.metrics());
        for (TrainingListener l : listeners) {
            l.onEvaluation(new TrainingListener.EvaluationEvent(run.step, e, improved, run.bestValue, run.bestStep));
        }
        return improved;
    }

    // ------------------------------------------------------------------ devices and parameters

    private void checkDevices() {
        if (config.teacherDevice() != null && !config.teacherDevice().equals(teacher.device())) {
            throw new IllegalArgumentException("the configuration asks for the teacher on " + config.teacherDevice()
                    + " but it lives on " + teacher.device() + "; create the teacher on " + config.teacherDevice());
        }
        if (config.studentDevice() != null && !config.studentDevice().equals(student.device())) {
            throw new IllegalArgumentException("the configuration asks for the student on " + config.studentDevice()
                    + " but it lives on " + student.device() + "; create the student on " + config.studentDevice());
        }
        DataType teacherType = teacher.dataType();
        if (config.fp16() && teacherType != DataType.FLOAT16) {
            throw new IllegalArgumentException("fp16 is set but the teacher computes in " + teacherType
                    + "; create the teacher in float16 (EncoderTeacher.of(encoder, DataType.FLOAT16)), "
                    + "or use optFp16(false)");
        }
        if (!teacherType.isFloating()) {
            throw new IllegalArgumentException("the teacher reports data type " + teacherType
                    + "; FrozenTeacher.dataType() must be a floating-point type (float32 or float16)");
        }
        if (teacherType == DataType.FLOAT16 && !teacher.device().isGpu()) {
            LOG.warn("the teacher computes in float16 on {}: this halves its memory but PyTorch's float16 CPU "
                    + "kernels are slower than float32 (bge-small measured 3-8x slower); prefer float32 on CPU "
                    + "unless memory is short", teacher.device());
        }
    }

    private void initializeLoss(Engine engine) {
        if (loss != null && !lossInitialized) {
            engine.setRandomSeed(stepSeed(config.seed(), -1)); // projections start from the seed
            loss.initialize(student.manager(), teacher.dims(), student.dims());
            lossInitialized = true;
        }
    }

    private Map<String, Parameter> projectionParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (loss == null) {
            return out;
        }
        for (Parameter p : loss.trainableParameters()) {
            if (!p.isInitialized()) {
                throw new IllegalStateException("loss parameter " + p.getName() + " is not initialised after "
                        + "DistillationLoss.initialize; create its array there");
            }
            if (out.put(p.getName(), p) != null) {
                throw new IllegalStateException("the loss returns two trainable parameters named " + p.getName()
                        + "; names key checkpoints and must be unique");
            }
        }
        return out;
    }

    /** Ids of the parameters optimised: the student's that require gradients and the loss's. */
    private Set<String> trainedIds(Map<String, Parameter> projections) {
        Set<String> ids = new HashSet<>();
        for (Parameter p : student.namedParameters().values()) {
            if (p.getArray().hasGradient()) {
                ids.add(p.getId());
            }
        }
        for (Parameter p : projections.values()) {
            ids.add(p.getId());
        }
        return Set.copyOf(ids);
    }

    private Map<String, NDArray> trainedArrays(Map<String, Parameter> projections) {
        Map<String, NDArray> trained = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : student.namedParameters().entrySet()) {
            NDArray a = e.getValue().getArray();
            if (a.hasGradient()) {
                trained.put(e.getKey(), a);
            }
        }
        if (trained.isEmpty()) {
            throw new IllegalStateException("none of the student's " + student.namedParameters().size()
                    + " parameters requires a gradient; make the student trainable (EncoderStudent does)");
        }
        for (Map.Entry<String, Parameter> e : projections.entrySet()) {
            NDArray a = e.getValue().getArray();
            if (!a.getDevice().equals(student.device())) {
                throw new IllegalStateException("loss parameter " + e.getKey() + " is on " + a.getDevice()
                        + " but the student is on " + student.device() + "; initialise it with the manager passed "
                        + "to DistillationLoss.initialize");
            }
            if (!a.hasGradient()) {
                a.setRequiresGradient(true);
            }
            trained.put(LOSS_PREFIX + e.getKey(), a);
        }
        return trained;
    }

    /** A copy of the batch on another device, owned by {@code manager}. */
    private static TokenBatch onDevice(TokenBatch b, Device device, NDManager manager) {
        Function<NDArray, NDArray> move = a -> {
            if (a == null) {
                return null;
            }
            NDArray c = a.toDevice(device, true);
            c.attach(manager);
            return c;
        };
        return new TokenBatch(move.apply(b.inputIds()), move.apply(b.attentionMask()), move.apply(b.tokenTypeIds()),
                move.apply(b.labels()), b.realTokens());
    }

    /**
     * The teacher's outputs on the student's device with every floating-point array in float32
     * (unchanged when nothing differs): the losses and the student always work in float32.
     */
    private static ModelOutputs toStudent(ModelOutputs o, Device device) {
        boolean sameDevice = o.attentionMask().getDevice().equals(device);
        boolean float32 = o.lastHiddenState().getDataType() == DataType.FLOAT32;
        if (sameDevice && float32) {
            return o;
        }
        Function<NDArray, NDArray> f = a -> {
            if (a == null) {
                return null;
            }
            NDArray r = sameDevice ? a : a.toDevice(device, false);
            DataType t = r.getDataType();
            return t.isFloating() && t != DataType.FLOAT32 ? r.toType(DataType.FLOAT32, false) : r;
        };
        return new ModelOutputs(map(o.hiddenStates(), f), map(o.attentionScores(), f), map(o.attentionProbs(), f),
                map(o.queries(), f), map(o.keys(), f), map(o.values(), f), f.apply(o.pooled()), f.apply(o.logits()),
                sameDevice ? o.attentionMask() : o.attentionMask().toDevice(device, false));
    }

    private static List<NDArray> map(List<NDArray> in, Function<NDArray, NDArray> f) {
        List<NDArray> out = new ArrayList<>(in.size());
        for (NDArray a : in) {
            out.add(f.apply(a));
        }
        return out;
    }

    /**
     * The engine seed of update t (t = -1 for parameter initialisation): SplitMix64's finaliser
     * of seed·φ + t, truncated to 31 bits. Dropout masks of update t depend only on (seed, t), so
     * a resumed run draws the masks the uninterrupted run would have drawn.
     */
    static int stepSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) (z & 0x7fffffffL);
    }

    // ------------------------------------------------------------------ checkpoints

    private void writeCheckpoint(Path runDir, AdamW optimizer, Map<String, Parameter> projections,
            BatchSource data, Run run, boolean best, ProgressDisplay progress) throws IOException {
        long step = run.step;
        Path dir = runDir.resolve(Checkpoint.CHECKPOINTS).resolve(Checkpoint.directoryName(step));
        JsonObject state = trainerState(run, data, optimizer);
        JsonObject manifest = manifest(run, data, projections);
        AtomicFiles.replaceDirectory(dir, tmp -> {
            SafeTensors.write(tmp.resolve(Checkpoint.OPTIMIZER), optimizer.exportState());
            Map<String, TensorData> projectionState = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : projections.entrySet()) {
                projectionState.put(e.getKey(), TensorData.fromNDArray(e.getValue().getArray()));
            }
            requireFinite(projectionState, "loss parameter", step);
            SafeTensors.write(tmp.resolve(Checkpoint.PROJECTIONS), projectionState);
            Map<String, TensorData> studentState = student.stateDict();
            requireFinite(studentState, "student parameter", step);
            SafeTensors.write(tmp.resolve(Checkpoint.STUDENT), studentState, Map.of("format", "pt"));
            AtomicFiles.writeString(tmp.resolve(Checkpoint.STATE), GSON.toJson(state) + "\n");
            AtomicFiles.writeString(tmp.resolve(Checkpoint.MANIFEST), GSON.toJson(manifest) + "\n");
        });
        run.lastCheckpoint = dir;
        prune(runDir, run);
        LOG.info("checkpoint {} written", dir);
        progress.message("checkpoint " + dir + (best ? " (best)" : ""));
        for (TrainingListener l : listeners) {
            l.onCheckpoint(new TrainingListener.CheckpointEvent(step, dir, best));
        }
    }

    private static void requireFinite(Map<String, TensorData> tensors, String kind, long step) {
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (!e.getValue().dtype().isFloating()) {
                continue;
            }
            for (float v : e.getValue().toFloats()) {
                if (!Float.isFinite(v)) {
                    throw new NonFiniteLossException(step, e.getKey(), v, kind + " " + e.getKey() + " holds " + v
                            + " at step " + step + "; the checkpoint was not written and earlier ones are intact. "
                            + "Lower the learning rate or tighten clipping, then resume.");
                }
            }
        }
    }

    /** Keeps the newest {@code keepLast} checkpoints and the best one. */
    private void prune(Path runDir, Run run) throws IOException {
        List<Path> all = Checkpoint.list(runDir);
        int kept = 0;
        for (Path p : all) {
            long s = Checkpoint.stepOf(p);
            if (kept < config.keepLast()) {
                kept++;
            } else if (s != run.bestStep) {
                AtomicFiles.deleteTree(p);
                LOG.debug("deleted old checkpoint {}", p);
            }
        }
    }

    private JsonObject trainerState(Run run, BatchSource data, AdamW optimizer) {
        JsonObject s = new JsonObject();
        s.addProperty("formatVersion", Checkpoint.FORMAT_VERSION);
        s.addProperty("step", run.step);
        s.addProperty("totalSteps", config.steps());
        s.addProperty("seed", config.seed());
        JsonObject rng = new JsonObject();
        rng.addProperty("seed", config.seed());
        rng.addProperty("nextStep", run.step);
        rng.addProperty("rule", "before update t the engine is seeded with splitmix64(seed * 0x9E3779B97F4A7C15 + t + 1)"
                + " & 0x7fffffff, so the RNG state is (seed, step)");
        s.add("rng", rng);
        JsonObject pos = new JsonObject();
        BatchSource.Position p = data.position();
        pos.addProperty("epoch", p.epoch());
        pos.addProperty("batchInEpoch", p.batchInEpoch());
        s.add("dataPosition", pos);
        s.addProperty("scheduleStep", run.step);
        s.addProperty("optimizerStep", optimizer.stepCount());
        s.addProperty("tokensSeen", run.tokensSeen);
        if (run.bestMetric != null) {
            JsonObject best = new JsonObject();
            best.addProperty("metric", run.bestMetric);
            best.addProperty("value", run.bestValue);
            best.addProperty("step", run.bestStep);
            s.add("best", best);
        }
        s.addProperty("evalsWithoutImprovement", run.evalsWithoutImprovement);
        return s;
    }

    private JsonObject manifest(Run run, BatchSource data, Map<String, Parameter> projections) {
        JsonObject m = new JsonObject();
        m.addProperty("formatVersion", Checkpoint.FORMAT_VERSION);
        m.addProperty("createdAt", Instant.now().toString());
        m.addProperty("step", run.step);
        m.add("config", config.toJson());
        m.addProperty("seed", config.seed());
        JsonObject versions = new JsonObject();
        String distill = DistillationTrainer.class.getPackage().getImplementationVersion();
        versions.addProperty("distill", distill == null ? "dev" : distill);
        versions.addProperty("djl", Engine.getDjlVersion());
        versions.addProperty("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        versions.addProperty("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        versions.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.add("versions", versions);
        JsonObject t = new JsonObject();
        t.addProperty("fingerprint", teacher.fingerprint());
        t.add("dims", dims(teacher.dims()));
        t.addProperty("device", teacher.device().toString());
        t.addProperty("dataType", teacher.dataType().toString());
        m.add("teacher", t);
        JsonObject s = new JsonObject();
        s.addProperty("description", student.description());
        s.addProperty("configFingerprint", student.configFingerprint());
        s.add("dims", dims(student.dims()));
        s.addProperty("device", student.device().toString());
        m.add("student", s);
        JsonObject d = new JsonObject();
        d.addProperty("fingerprint", data.fingerprint());
        d.addProperty("batchesPerEpoch", data.batchesPerEpoch());
        m.add("data", d);
        JsonObject l = new JsonObject();
        l.addProperty("class", loss == null ? getClass().getName() + ".computeLoss" : loss.getClass().getName());
        JsonArray names = new JsonArray();
        projections.keySet().forEach(names::add);
        l.add("trainableParameters", names);
        l.addProperty("version", config.lossVersion());
        m.add("loss", l);
        return m;
    }

    private static JsonObject dims(ModelDims d) {
        JsonObject o = new JsonObject();
        o.addProperty("numLayers", d.numLayers());
        o.addProperty("hiddenSize", d.hiddenSize());
        o.addProperty("numHeads", d.numHeads());
        o.addProperty("headSize", d.headSize());
        o.addProperty("vocabSize", d.vocabSize());
        return o;
    }

    // ------------------------------------------------------------------ resume

    private void resume(Path runDir, BatchSource data, AdamW optimizer, Map<String, Parameter> projections, Run run)
            throws IOException {
        Checkpoint ck = null;
        for (Path dir : Checkpoint.list(runDir)) {
            try {
                ck = Checkpoint.read(dir);
                break;
            } catch (IOException | RuntimeException e) {
                LOG.warn("checkpoint {} cannot be read ({}); trying an older one", dir, e.getMessage());
            }
        }
        ResumePolicy.checkMode(config, runDir, ck);
        if (ck == null) {
            return;
        }
        List<String> differences = differences(ck, data, projections);
        ResumePolicy.compareLossVersion(differences, ck.manifest(), config);
        if (!differences.isEmpty()) {
            throw new ResumeMismatchException("cannot resume " + runDir + " from " + ck.directory()
                    + ": it was made with a different setup (" + differences.size() + " difference"
                    + (differences.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", differences)
                    + "\nUse the original settings, teacher and data to continue this run, or start a new run "
                    + "in another directory.", differences);
        }
        student.loadState(ck.student());
        for (Map.Entry<String, Parameter> e : projections.entrySet()) {
            copyInto(e.getValue().getArray(), ck.projections().get(e.getKey()), e.getKey(), ck.directory());
        }
        optimizer.importState(ck.optimizer());
        if (optimizer.stepCount() != ck.step()) {
            LOG.warn("optimizer step {} differs from checkpoint step {} in {}", optimizer.stepCount(), ck.step(),
                    ck.directory());
        }
        data.seek(ck.dataPosition());
        run.step = ck.step();
        JsonObject st = ck.state();
        run.tokensSeen = st.has("tokensSeen") ? st.get("tokensSeen").getAsLong() : 0;
        run.evalsWithoutImprovement = st.has("evalsWithoutImprovement") ? st.get("evalsWithoutImprovement").getAsInt() : 0;
        if (st.has("best")) {
            JsonObject best = st.getAsJsonObject("best");
            run.bestMetric = best.get("metric").getAsString();
            run.bestValue = best.get("value").getAsDouble();
            run.bestStep = best.get("step").getAsLong();
        }
        run.lastCheckpoint = ck.directory();
        run.resumedFrom = ck.directory();
        run.finished = ResumePolicy.finished(config, runDir, ck);
        run.stoppedEarly = run.finished != null && ck.step() < config.steps();
        LOG.info("resumed from {} at step {}", ck.directory(), ck.step());
    }

    private List<String> differences(Checkpoint ck, BatchSource data, Map<String, Parameter> projections) {
        List<String> out = new ArrayList<>();
        JsonObject m = ck.manifest();
        JsonObject stored = m.has("config") ? m.getAsJsonObject("config") : new JsonObject();
        for (Map.Entry<String, String> e : config.trajectoryFields().entrySet()) {
            JsonElement v = stored.get(e.getKey());
            String was = v == null || v.isJsonNull() ? "(absent)" : v.getAsString();
            if (!was.equals(e.getValue())) {
                out.add("config " + e.getKey() + ": checkpoint " + was + ", now " + e.getValue());
            }
        }
        String storedType = string(m, "teacher", "dataType");
        // checkpoints written before the field existed came from float32 teachers
        compare(out, "teacher data type", storedType.equals("(absent)") ? DataType.FLOAT32.toString() : storedType,
                teacher.dataType().toString());
        compare(out, "teacher fingerprint", string(m, "teacher", "fingerprint"), teacher.fingerprint());
        compare(out, "data fingerprint", string(m, "data", "fingerprint"), data.fingerprint());
        compare(out, "student architecture", string(m, "student", "configFingerprint"), student.configFingerprint());
        Set<String> storedNames = new LinkedHashSet<>(ck.projections().keySet());
        if (!storedNames.equals(projections.keySet())) {
            out.add("loss parameters: checkpoint " + storedNames + ", now " + projections.keySet());
        }
        return out;
    }

    private static void compare(List<String> out, String what, String was, String now) {
        if (!Objects.equals(was, now)) {
            out.add(what + ": checkpoint " + was + ", now " + now);
        }
    }

    private static String string(JsonObject m, String section, String key) {
        if (!m.has(section) || !m.getAsJsonObject(section).has(key)) {
            return "(absent)";
        }
        return m.getAsJsonObject(section).get(key).getAsString();
    }

    private static void copyInto(NDArray target, TensorData t, String name, Path dir) {
        if (t == null) {
            throw new IllegalStateException(dir.resolve(Checkpoint.PROJECTIONS) + " lacks loss parameter " + name);
        }
        if (!t.djlShape().equals(target.getShape())) {
            throw new IllegalStateException(dir.resolve(Checkpoint.PROJECTIONS) + ": loss parameter " + name
                    + " has shape " + t.djlShape() + " but the loss created " + target.getShape());
        }
        if (target.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("loss parameter " + name + " is " + target.getDataType()
                    + "; checkpoints restore float32 loss parameters only");
        }
        target.set(FloatBuffer.wrap(t.toFloats()));
    }
}
