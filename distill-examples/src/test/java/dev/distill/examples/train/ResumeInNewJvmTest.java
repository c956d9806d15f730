package dev.distill.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.Checkpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume across JVMs: exact weights, and a kill during a checkpoint write.
 *
 * <p>These child JVMs once died intermittently with SIGSEGV: two use-after-free bugs (AdamW's
 * restored moments, and DJL's freed scalar constants kept by autograd; docs/djl-traps.md) were
 * the cause, and both are fixed.
 */
class ResumeInNewJvmTest {

    static final long N = 8;

    @TempDir
    Path tmp;

    static Process start(Path run, long steps, long stopAt, long slowAt) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), TrainMain.class.getName(), run.toString(),
                Long.toString(steps), Long.toString(stopAt), Long.toString(slowAt))
                .redirectErrorStream(true).start();
    }

    /** Runs a child to the end; returns its output lines. */
    static List<String> run(Path run, long steps, long stopAt) throws Exception {
        Process p = start(run, steps, stopAt, 0);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().collect(Collectors.toList());
    }

    static Map<String, TensorData> tensors(Path checkpoint, String file) throws IOException {
        return SafeTensors.read(checkpoint.resolve(file)).tensors();
    }

    static double maxAbsDiff(Map<String, TensorData> a, Map<String, TensorData> b) {
        assertEquals(a.keySet(), b.keySet());
        double m = 0;
        for (String k : a.keySet()) {
            if (!a.get(k).dtype().isFloating()) {
                assertEquals(a.get(k), b.get(k), k); // AdamW's step counter
                continue;
            }
            float[] x = a.get(k).toFloats();
            float[] y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) {
                m = Math.max(m, Math.abs(x[i] - y[i]));
            }
        }
        return m;
    }

    @Test
    void stoppingHalfWayAndResumingInANewJvmGivesTheStraightRunsWeights() throws Exception {
        Path straight = tmp.resolve("straight");
        Path split = tmp.resolve("split");
        assertTrue(run(straight, N, 0).contains("DONE " + N));
        assertTrue(run(split, N, N / 2).contains("DONE " + (N / 2)));
        List<String> resumed = run(split, N, 0);
        assertTrue(resumed.contains("RESUMED " + split.resolve("checkpoints/step-" + N / 2)), resumed.toString());
        assertTrue(resumed.contains("DONE " + N), resumed.toString());

        Path a = straight.resolve("checkpoints/step-" + N);
        Path b = split.resolve("checkpoints/step-" + N);
        double student = maxAbsDiff(tensors(a, Checkpoint.STUDENT), tensors(b, Checkpoint.STUDENT));
        double projections = maxAbsDiff(tensors(a, Checkpoint.PROJECTIONS), tensors(b, Checkpoint.PROJECTIONS));
        double optimizer = maxAbsDiff(tensors(a, Checkpoint.OPTIMIZER), tensors(b, Checkpoint.OPTIMIZER));
        System.out.printf("max |straight - resumed|: student %.3g, projection %.3g, AdamW moments %.3g%n",
                student, projections, optimizer);
        assertEquals(1, tensors(a, Checkpoint.PROJECTIONS).size(), "the hidden-state projection is trained");
        assertTrue(student <= 1e-6, "student differs by " + student);
        assertTrue(projections <= 1e-6, "projection differs by " + projections);
        assertTrue(optimizer <= 1e-6, "optimizer state differs by " + optimizer);
        // and training did move the weights
        Path first = split.resolve("checkpoints/step-" + N / 2);
        assertTrue(maxAbsDiff(tensors(first, Checkpoint.STUDENT), tensors(b, Checkpoint.STUDENT)) > 1e-3);
    }

    @Test
    void killedWhileWritingACheckpointLeavesThePreviousOneAndResumesFromIt() throws Exception {
        Path run = tmp.resolve("run");
        Process p = start(run, 6, 0, 4);
        List<String> seen = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                seen.add(line);
                if (line.equals("WRITING 4")) {
                    Thread.sleep(200);
                    p.destroyForcibly();
                    break;
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(seen.contains("WRITING 4"), seen.toString());
        // The write was under way: its temporary directory exists, the target does not.
        Path checkpoints = run.resolve(Checkpoint.CHECKPOINTS);
        List<String> names;
        try (Stream<Path> s = Files.list(checkpoints)) {
            names = s.map(x -> x.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        assertTrue(names.contains("step-2"), names.toString());
        assertFalse(names.contains("step-4"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("step-4.tmp-")), names.toString());

        // The previous checkpoint reads completely; listing removes the debris.
        assertEquals(List.of(checkpoints.resolve("step-2")), Checkpoint.list(run));
        assertEquals(2, Checkpoint.read(checkpoints.resolve("step-2")).step());

        List<String> resumed = ResumeInNewJvmTest.run(run, 6, 0);
        assertTrue(resumed.contains("RESUMED " + checkpoints.resolve("step-2")), resumed.toString());
        assertTrue(resumed.contains("DONE 6"), resumed.toString());
        assertEquals(6, Checkpoint.read(checkpoints.resolve("step-6")).step());
    }
}
