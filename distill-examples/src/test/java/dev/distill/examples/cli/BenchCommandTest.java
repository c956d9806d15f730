package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./distill bench --what all} on tiny shapes: every line is a JSON object with the fields
 * the docs describe, and the FLOP counts are the hand-derived ones. No timing is asserted (the
 * machine is shared); only that times are positive and shares are fractions.
 */
class BenchCommandTest {

    private record Run(int code, List<JsonObject> lines, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cli = new CommandLine(new DistillCli()).setExecutionExceptionHandler(new DistillCli.ErrorHandler());
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            List<JsonObject> lines = new ArrayList<>();
            for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(JsonParser.parseString(line).getAsJsonObject()); // every stdout line is JSON
                }
            }
            return new Run(code, lines, err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    private static List<JsonObject> of(Run r, String bench) {
        return r.lines().stream().filter(o -> o.get("bench").getAsString().equals(bench)).collect(Collectors.toList());
    }

    private static void positive(JsonObject o, String... fields) {
        for (String f : fields) {
            assertTrue(o.has(f), "missing " + f + " in " + o);
            assertTrue(o.get(f).getAsDouble() > 0, f + " should be > 0 in " + o);
        }
    }

    @Test
    void allPartsPrintOneJsonObjectPerMeasurement() {
        // teacher 2 x 32 (4 heads of 8, FFN 128), student 1 layer, B = 4, T = 16, V = 500
        Run r = run("bench", "--what", "all", "--teacher-layers", "2", "--student-layers", "1", "--hidden", "32",
                "--heads", "4", "--vocab", "500", "--seq", "16", "--batch", "4", "--steps", "2", "--warmup", "1",
                "--cache-k", "8,32", "--cache-examples", "12", "--cache-reads", "3", "--matmul-size", "128", "--soak-steps", "30",
                "--soak-from", "10", "--soak-every", "10", "--device", "cpu", "--quiet");
        assertEquals(0, r.code(), r.err());

        JsonObject machine = r.lines().get(0);
        assertEquals("machine", machine.get("bench").getAsString());
        assertEquals("cpu()", machine.get("device").getAsString());
        positive(machine, "cores");

        JsonObject mm = of(r, "matmul").get(0);
        assertEquals(2.0 * 128 * 128 * 128, mm.get("flops").getAsDouble());
        positive(mm, "seconds_median", "flops_per_s");

        JsonObject step = of(r, "step").get(0);
        assertEquals(64, step.get("tokens_per_step").getAsLong());
        assertEquals(128, step.get("matmul_n").getAsInt());
        positive(step, "step_s", "tokens_per_s", "achieved_flops_per_s", "matmul_flops_per_s", "efficiency");
        for (String phase : List.of("data", "teacher_forward", "student_forward", "loss", "backward", "optimizer")) {
            double s = step.getAsJsonObject("phase_s").get(phase).getAsDouble();
            double share = step.getAsJsonObject("phase_share").get(phase).getAsDouble();
            assertTrue(s >= 0 && share >= 0 && share <= 1, phase + ": " + s + " s, share " + share);
        }
        double lo = step.get("loss_plus_optimizer_share").getAsDouble();
        assertTrue(lo > 0 && lo < 1, "loss + optimizer share " + lo);
        // by hand: per layer 2·B·T·(4·H·A·d + 2·H·F) + 4·B·A·T²·d
        //        = 2·64·(4·32·32 + 2·32·128) + 4·4·4·256·8 = 1,572,864 + 131,072 = 1,703,936
        assertEquals(2 * 1_703_936.0, step.get("teacher_forward_flops").getAsDouble());
        assertEquals(1_703_936.0, step.get("student_forward_flops").getAsDouble());
        assertEquals(2 * 1_703_936.0 + 3 * 1_703_936.0, step.get("step_flops").getAsDouble());
        assertEquals(step.get("achieved_flops_per_s").getAsDouble() / step.get("matmul_flops_per_s").getAsDouble(),
                step.get("efficiency").getAsDouble(), 1e-9);

        List<JsonObject> inference = of(r, "inference");
        assertEquals(2, inference.size());
        assertEquals(1, inference.get(0).get("batch").getAsInt());
        assertEquals(32, inference.get(1).get("batch").getAsInt());
        for (JsonObject o : inference) {
            positive(o, "teacher_ms", "student_ms", "teacher_sequences_per_s", "student_sequences_per_s", "speedup");
            assertEquals(o.get("teacher_ms").getAsDouble() / o.get("student_ms").getAsDouble(),
                    o.get("speedup").getAsDouble(), 1e-9);
            assertTrue(o.get("student_parameters").getAsLong() < o.get("teacher_parameters").getAsLong());
        }

        List<JsonObject> cache = of(r, "cache");
        assertEquals(2, cache.size());
        for (JsonObject o : cache) {
            int k = o.get("k").getAsInt();
            assertEquals(12 * 2, o.get("positions").getAsLong(), "15% of 16 positions, rounded: 2 per example");
            assertEquals(4 * 500, o.get("fp32_bytes_per_position").getAsLong());
            double bpp = o.get("bytes_per_position").getAsDouble();
            // at least k ids (2 bytes each for V = 500) and k fp16 probabilities per position
            assertTrue(bpp >= 4.0 * k && bpp < 2000, "bytes per position " + bpp + " for k " + k);
            positive(o, "build_s", "build_positions_per_s", "read_ms_per_batch", "read_positions_per_s");
        }

        JsonObject soak = of(r, "soak").get(0);
        assertEquals(30, soak.get("steps").getAsInt());
        JsonObject samples = soak.getAsJsonObject("samples");
        for (String s : List.of("0", "10", "20", "30")) {
            assertTrue(samples.getAsJsonObject(s).get("rss_kib").getAsLong() > 0, "sample at " + s);
        }
        long from = soak.get("rss_kib_at_from").getAsLong();
        long end = soak.get("rss_kib_at_end").getAsLong();
        assertEquals(samples.getAsJsonObject("10").get("rss_kib").getAsLong(), from);
        assertEquals(100.0 * (end - from) / from, soak.get("rss_growth_percent").getAsDouble(), 1e-9);
    }

    @Test
    void badFlagsAreRefusedWithTheFix() {
        Run r = run("bench", "--losses", "hidden,foo", "--quiet");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown loss 'foo'") && r.err().contains("minilm"), r.err());

        r = run("bench", "--what", "speed", "--quiet");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown part 'speed'") && r.err().contains("soak"), r.err());

        r = run("bench", "--hidden", "100", "--heads", "12", "--what", "step", "--device", "cpu", "--quiet");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not divisible by its 12 heads"), r.err());

        r = run("bench", "--what", "soak", "--soak-steps", "100", "--soak-from", "100", "--quiet");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--soak-from (100)"), r.err());
    }
}
