package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A libtorch that cannot be loaded gets one line with the cause and the way out, not a stack trace. */
class NativeLibraryErrorTest {

    @Test
    void engineFailuresAreNamedWithTheirRootCauseAndTheFix() {
        // what DJL 0.35.1 throws offline with no native library (checked with the library modules alone)
        Exception ex = new RuntimeException(new EngineException("Failed to save pytorch index file",
                new IOException("Offline mode is enabled.")));
        String line = DistillCli.ErrorHandler.nativeLibraryFailure(ex);
        assertTrue(line.contains("Failed to save pytorch index file: Offline mode is enabled."), line);
        assertTrue(line.contains("DISTILL_LIBTORCH") && line.contains("Native libraries"), line);
        assertNull(DistillCli.ErrorHandler.nativeLibraryFailure(new IllegalStateException("other")));
    }
}
