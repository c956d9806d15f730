package dev.distill.core.train;

import java.util.Locale;

/**
 * What {@link DistillationTrainer#fit} does with a run directory that already holds checkpoints
 * ({@link TrainerConfig.Builder#optResume}). In every mode a checkpoint made with another setup
 * is refused ({@link ResumeMismatchException}) and a finished run is reported, not trained again
 * ({@link TrainingResult#alreadyFinished()}).
 */
public enum ResumeMode {
    /** Always a new run: a directory that holds checkpoints is refused. */
    NEVER,
    /** Continue from the newest readable checkpoint when there is one, else start (the default). */
    IF_COMPATIBLE,
    /** Continue from a checkpoint; a directory without one is refused. */
    REQUIRED;

    /** The command-line spelling: {@code never}, {@code if-compatible}, {@code required}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@link #cliName()} (case-insensitive, {@code _} or {@code -}).
     *
     * @throws IllegalArgumentException naming the value and the valid ones
     */
    public static ResumeMode parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (ResumeMode m : values()) {
            if (m.cliName().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("resume '" + value + "' is unknown; use never, if-compatible or required");
    }
}
