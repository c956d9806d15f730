package dev.distill.core.train;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The decisions {@link DistillationTrainer#fit} takes about an existing run directory before it
 * trains: the {@link ResumeMode}, the user's loss version and a run that is already finished. Kept out of the trainer so each rule reads in one place.
 */
final class ResumePolicy {

    private ResumePolicy() {}

    /**
     * Refuses by mode: {@code NEVER} with a checkpoint present, {@code REQUIRED} without one.
     *
     * @param newest the newest readable checkpoint, or null when there is none
     */
    static void checkMode(TrainerConfig config, Path runDir, Checkpoint newest) {
        if (config.resume() == ResumeMode.NEVER && newest != null) {
            throw new IllegalStateException("run directory " + runDir + " already holds a checkpoint ("
                    + newest.directory() + ", step " + newest.step() + ") and resume is 'never'; use an empty or new"
                    + " directory for a new run, or resume 'if-compatible' to continue this one");
        }
        if (config.resume() == ResumeMode.REQUIRED && newest == null) {
            throw new IllegalStateException("run directory " + runDir + " holds no readable checkpoint"
                    + " (checked " + runDir.resolve(Checkpoint.CHECKPOINTS) + ") and resume is 'required'; give the"
                    + " directory of the run to continue, or resume 'if-compatible' to start a new run there");
        }
    }

    /** Adds a difference when the checkpoint's loss version is not this configuration's. */
    static void compareLossVersion(List<String> differences, JsonObject manifest, TrainerConfig config) {
        String was = "";
        if (manifest.has("loss") && manifest.getAsJsonObject("loss").has("version")) {
            was = manifest.getAsJsonObject("loss").get("version").getAsString();
        }
        if (!was.equals(config.lossVersion())) {
            differences.add("loss version: checkpoint " + quoted(was) + ", now " + quoted(config.lossVersion())
                    + " (the loss was changed; mixing its steps with the old loss's would give neither)");
        }
    }

    /**
     * Why the run of checkpoint {@code ck} is already finished (all {@code steps} done, or early
     * stopping's patience used up), as the message to show; null when it is not.
     */
    static String finished(TrainerConfig config, Path runDir, Checkpoint ck) {
        JsonObject st = ck.state();
        int stale = st.has("evalsWithoutImprovement") ? st.get("evalsWithoutImprovement").getAsInt() : 0;
        boolean stoppedEarly = config.earlyStoppingPatience() > 0 && stale >= config.earlyStoppingPatience();
        if (ck.step() < config.steps() && !stoppedEarly) {
            return null;
        }
        String why = ck.step() >= config.steps() ? "all " + config.steps() + " steps are done"
                : "it stopped early at step " + ck.step() + " of " + config.steps() + " (" + stale
                + " evaluations without improvement)";
        return "run directory " + runDir + " holds a finished run (" + why + "): nothing was trained; the student"
                + " holds the run's final weights from " + ck.directory() + ". Use another directory for a new run.";
    }

    private static String quoted(String s) {
        return s.isEmpty() ? "(none)" : "'" + s + "'";
    }
}
