package dev.distill.core.train;

import java.util.List;

/** A run directory's checkpoint was made with another configuration, teacher, data or student. */
public final class ResumeMismatchException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> differences;

    ResumeMismatchException(String message, List<String> differences) {
        super(message);
        this.differences = List.copyOf(differences);
    }

    /**
     * One line per difference, e.g. {@code learningRate: checkpoint 1.0E-4, now 3.0E-4}.
     *
     * @return an immutable list
     */
    public List<String> differences() {
        return differences;
    }
}
