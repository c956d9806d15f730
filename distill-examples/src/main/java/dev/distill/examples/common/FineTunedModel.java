package dev.distill.examples.common;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.data.BatchSource;
import dev.distill.core.eval.Evaluation;
import dev.distill.core.eval.Evaluator;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.train.DistillationTrainer;
import dev.distill.core.train.TrainableModel;
import dev.distill.core.train.TrainerConfig;
import dev.distill.core.train.TrainingResult;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderStudent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model fine-tuned here with hard labels (a task teacher, or a no-teacher baseline), and its
 * cache: a Hugging Face directory plus {@value #INFO}, which records the settings it was trained
 * with and the metrics measured on it, so a re-run loads it instead of training it again.
 */
public final class FineTunedModel {

    /** The file beside the weights that holds the settings and the metrics. */
    public static final String INFO = "distill-finetune.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private FineTunedModel() {}

    /**
     * The trainer settings that classify and qa use for the fine-tuned teacher and for the student
     * after it: 10% warm-up then linear decay, weight decay 0.01, gradients clipped at norm 1, the
     * last checkpoint kept, model and teacher on {@code device}. The caller adds the log and
     * checkpoint intervals.
     */
    public static TrainerConfig.Builder trainerConfig(long steps, float lr, long evalEvery, long seed, Device device) {
        return TrainerConfig.builder()
                .setSteps(steps)
                .optLearningRate(lr)
                .optWarmupFraction(0.1)
                .optSchedule(TrainerConfig.Schedule.LINEAR)
                .optWeightDecay(0.01f)
                .optClipNorm(1.0f)
                .optEvalInterval(evalEvery)
                .optKeepLast(1)
                .optSeed(seed)
                .optDevices(device, device);
    }

    /**
     * Supervised training through the distillation trainer with no teacher ({@link NoTeacher}):
     * {@code loss} must read only the model and the labels. Resumes from {@code runDir} like any
     * run.
     */
    public static TrainingResult train(EncoderStudent model, DistillationLoss loss, TrainerConfig config,
            BatchSource data, Evaluator evaluator, Path runDir) {
        DistillationTrainer trainer = new DistillationTrainer(new NoTeacher(model.dims(), model.device()), model,
                loss, config);
        trainer.setEvaluator(evaluator);
        return trainer.fit(data, runDir);
    }

    /**
     * The evaluation of the model after its last step: the one {@code fit} made at the last step,
     * or, when {@code fit} did no step (a finished run found in its directory), a new one.
     */
    public static Evaluation finalEvaluation(TrainingResult result, Evaluator evaluator, TrainableModel model) {
        Evaluation last = result.lastEvaluation();
        return last != null && result.completed() ? last : evaluator.evaluate(model);
    }

    /** Whether {@code dir} holds a cached model (weights and {@value #INFO}). */
    public static boolean isCached(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && Files.isRegularFile(dir.resolve(INFO));
    }

    /**
     * Loads a cached model after checking that it was trained with {@code settings}.
     *
     * @throws IllegalArgumentException naming every setting that differs, and the fix
     */
    public static Encoder load(Path dir, Map<String, String> settings, NDManager manager) {
        checkSettings(dir, settings);
        return HfDirectory.load(dir, manager).encoder();
    }

    /**
     * Checks, if {@code dir} holds a cached model, that it was trained with {@code settings}; does
     * nothing when there is none. Cheap: call it before anything slow.
     *
     * @throws IllegalArgumentException naming every setting that differs, and the fix
     */
    public static void checkSettings(Path dir, Map<String, String> settings) {
        if (!isCached(dir)) {
            return;
        }
        JsonObject info = readInfo(dir);
        JsonObject stored = info.has("settings") ? info.getAsJsonObject("settings") : new JsonObject();
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String was = stored.has(e.getKey()) ? stored.get(e.getKey()).getAsString() : "(absent)";
            if (!was.equals(e.getValue())) {
                differences.add(e.getKey() + ": cached " + was + ", now " + e.getValue());
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("the fine-tuned model cached in " + dir + " was trained with other "
                    + "settings (" + String.join("; ", differences) + "). Delete " + dir + " (and its training run "
                    + "directory) to train it again with these settings, or use another --out");
        }
    }

    /**
     * Deletes the checkpoints of a finished fine-tuning run (weights and optimizer moments, three
     * times the model's size) once the model is saved; its {@code metrics.jsonl} stays.
     */
    public static void dropCheckpoints(Path runDir) {
        try {
            AtomicFiles.deleteTree(runDir.resolve("checkpoints"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + runDir.resolve("checkpoints") + ": " + e.getMessage(), e);
        }
    }

    /** The metrics stored with a cached model (empty if none). */
    public static Map<String, Double> metrics(Path dir) {
        JsonObject info = readInfo(dir);
        Map<String, Double> out = new LinkedHashMap<>();
        if (info.has("metrics")) {
            info.getAsJsonObject("metrics").entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsDouble()));
        }
        return out;
    }

    /** Writes the model as a Hugging Face directory, then {@value #INFO} with its settings and metrics. */
    public static void save(Encoder encoder, TextTokenizer tokenizer, Path dir, Map<String, String> settings,
            Map<String, Double> metrics) {
        HfDirectory.save(encoder, tokenizer, dir);
        JsonObject info = new JsonObject();
        JsonObject s = new JsonObject();
        settings.forEach(s::addProperty);
        info.add("settings", s);
        JsonObject m = new JsonObject();
        metrics.forEach(m::addProperty);
        info.add("metrics", m);
        try {
            AtomicFiles.writeString(dir.resolve(INFO), GSON.toJson(info) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(INFO) + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject readInfo(Path dir) {
        Path file = dir.resolve(INFO);
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not the JSON object distill writes (" + e.getMessage()
                    + "); delete " + dir + " to fine-tune the model again", e);
        }
    }
}
