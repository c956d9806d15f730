package dev.distill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.examples.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs {@code ./distill} in this JVM, as the command tests do. */
public final class CliRuns {

    private CliRuns() {}

    /**
     * Runs {@code ./distill args} and requires exit code 0.
     *
     * @param args the command and its options
     * @return what the command printed on standard output (shown in the failure message otherwise)
     */
    public static String runOk(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new DistillCli()).execute(args);
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
