package dev.distill.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file whose contents break the rules of its format (a truncated safetensors file, a
 * {@code config.json} without {@code hidden_size}, ...). The message always names the file,
 * the offending value and the rule; {@link #file()} gives the file to programs.
 *
 * <p>It is an {@link IOException} because the problem lies in data read from disk, not in the
 * calling code: callers that already handle I/O failures handle this one too. Bad arguments
 * passed by code (a {@code null} map, a reserved tensor name) stay
 * {@link IllegalArgumentException}s.
 */
public class MalformedFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file the file that is malformed
     * @param problem what is wrong: the value, the rule and, where there is one, the fix
     */
    public MalformedFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * Same, keeping the exception that revealed the problem (a JSON syntax error, ...).
     *
     * @param file the file
     * @param problem what is wrong
     * @param cause the exception that revealed it
     */
    public MalformedFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * The malformed file.
     *
     * @return the file as given
     */
    public Path file() {
        return file;
    }
}
