package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** {@code ./distill report} in-process. */
class ReportCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                PrintStream errCapture = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(errCapture);
            CommandLine cli = new CommandLine(new DistillCli()).setExecutionExceptionHandler(new DistillCli.ErrorHandler());
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void rebuildsTheReportFromARunDirectory() throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("run"));
        Files.writeString(runDir.resolve("metrics.jsonl"), String.join("\n",
                "{\"step\": 10, \"loss\": 2.0, \"terms\": {\"kd\": 1.5, \"hidden_mse\": 0.5}}",
                "{\"step\": 20, \"loss\": 1.2, \"terms\": {\"kd\": 0.9, \"hidden_mse\": 0.3}}",
                "{\"step\": 20, \"eval\": {\"sts_mean\": 61.0}}",
                "{\"step\": 30, \"loss\": 0.8, \"terms\": {\"kd\": 0.6, \"hidden_mse\": 0.2}}",
                "{\"step\": 30, \"eval\": {\"sts_mean\": 64.0}}", ""));
        Files.writeString(runDir.resolve("summary.json"), "{\"title\": \"tiny run\", \"command\": \"x\","
                + " \"models\": [{\"name\": \"T\", \"role\": \"teacher\", \"parameters\": 100,"
                + " \"metrics\": {\"sts_mean\": 70}}], \"notes\": \"\", \"config\": {\"steps\": \"30\"}}");
        Path out = dir.resolve("out");

        Run r = run("report", "--run", runDir.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(3 training points, 2 evaluations, last step 30)"), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<title>tiny run</title>"));
        assertTrue(html.contains(">kd</text>") && html.contains(">hidden_mse</text>"));
        assertTrue(html.contains("teacher T: 70"), "the teacher's STS as the reference line");
        assertTrue(Files.size(out.resolve("main-chart.png")) > 1000);
    }

    @Test
    void withoutASummaryTheCurvesAreStillDrawn() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\": 1, \"loss\": 1.0}\n{\"step\": 2, \"loss\": 0.5}\n");
        Run r = run("report", "--run", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(dir.resolve("report.html")).contains("total loss"));
    }

    @Test
    void aBadRunDirectoryIsAOneLineError() throws Exception {
        Run missing = run("report", "--run", dir.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("error: run directory") && missing.err().contains("does not exist"),
                missing.err());

        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\": 1, \"loss\": 1.0}\nnot json\n");
        Run malformed = run("report", "--run", dir.toString());
        assertEquals(2, malformed.code());
        assertTrue(malformed.err().contains("metrics.jsonl:2: not valid JSON"), malformed.err());
    }
}
