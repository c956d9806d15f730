package dev.distill.core.train;

/**
 * Training produced a NaN or an infinity. The run stops; checkpoints written before remain, and
 * no checkpoint is ever written after a non-finite value was computed.
 */
public final class NonFiniteLossException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The update whose loss or gradient was not finite. */
    private final long step;
    /** The term's name. */
    private final String term;
    /** The offending value. */
    private final double value;

    NonFiniteLossException(long step, String term, double value, String message) {
        super(message);
        this.step = step;
        this.term = term;
        this.value = value;
    }

    /** {@return the update (1-based) whose loss or gradient was not finite} */
    public long step() {
        return step;
    }

    /** {@return the loss term's name, {@code total} for the sum, or {@code gradient norm}} */
    public String term() {
        return term;
    }

    /** {@return the offending value (NaN or ±infinity)} */
    public double value() {
        return value;
    }
}
