package dev.distill.core.train;

/**
 * Training produced a NaN or an infinity. The run stops; checkpoints written before remain, and
 * no checkpoint is ever written after a non-finite value was computed.
 */
public final class NonFiniteLossException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final long step;
    private final String term;
    private final double value;

    NonFiniteLossException(long step, String term, double value, String message) {
        super(message);
        this.step = step;
        this.term = term;
        this.value = value;
    }

    /** The update (1-based) whose loss or gradient was not finite. */
    public long step() {
        return step;
    }

    /** The loss term's name, {@code total} for the sum, or {@code gradient norm}. */
    public String term() {
        return term;
    }

    /** The offending value (NaN or ±infinity). */
    public double value() {
        return value;
    }
}
