package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.examples.TinyTeacher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line as a user meets a broken model directory or an impossible shape: exit code 2,
 * one {@code error:} line (plus the hint about the stack trace), nothing on standard output.
 */
class BadModelCliTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cli = new CommandLine(new DistillCli()).setExecutionExceptionHandler(new DistillCli.ErrorHandler());
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    private static String oneErrorLine(Run r) {
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        String[] lines = r.err().strip().split("\n");
        assertEquals(2, lines.length, r.err());
        assertTrue(lines[0].startsWith("error: "), r.err());
        assertTrue(lines[1].startsWith("(run with -Ddistill.stacktrace=true"), r.err());
        return lines[0];
    }

    @Test
    void encodeRefusesAVocabSizeThatDisagreesWithTheWeights() throws Exception {
        Path dir = TinyTeacher.create(tmp.resolve("model"), 1);
        Path config = dir.resolve("config.json");
        JsonObject o = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        o.addProperty("vocab_size", 1000);
        Files.writeString(config, o.toString());
        String line = oneErrorLine(run("encode", "--model", dir.toString(), "--text", "hello"));
        assertTrue(line.contains("vocab_size is 1000 but model.safetensors has embeddings.word_embeddings.weight with"
                + " 30522 rows; set vocab_size to 30522"), line);
    }

    @Test
    void stsRefusesACorruptPoolingConfig() throws Exception {
        Path dir = TinyTeacher.create(tmp.resolve("model"), 1);
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": tru");
        String line = oneErrorLine(run("sts", "--model", dir.toString()));
        assertTrue(line.contains("1_Pooling/config.json: is not valid JSON"), line);
    }

    @Test
    void benchRefusesASequenceThatCannotFitUpFront() {
        // 1 layer, 4 heads, batch 32, 100,000 tokens: attention scores alone 2·4·32·10^10·4 bytes = 9.3 TiB
        String line = oneErrorLine(run("bench", "--what", "step", "--teacher", "random", "--teacher-layers", "1",
                "--hidden", "64", "--heads", "4", "--student-layers", "1", "--seq", "100000", "--quiet"));
        assertTrue(line.startsWith("error: bench --batch 32 --seq 100000 (teacher weights "), line);
        assertTrue(line.contains("needs at least ") && line.endsWith("; lower --seq or --batch"), line);
    }
}
