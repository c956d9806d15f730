package dev.distill.core.cache;

import java.nio.file.Path;
import java.util.List;

/** A cache was made from another teacher, tokenizer, data, length, k or masking seed than requested. */
public final class FingerprintMismatchException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> differences;

    FingerprintMismatchException(Path dir, List<String> differences, String fix) {
        super("teacher-output cache " + dir + " was built from other inputs: " + String.join("; ", differences)
                + ". " + fix);
        this.differences = List.copyOf(differences);
    }

    /**
     * Each differing field, e.g. {@code k: cache 16 vs requested 32}.
     *
     * @return an immutable list
     */
    public List<String> differences() {
        return differences;
    }
}
