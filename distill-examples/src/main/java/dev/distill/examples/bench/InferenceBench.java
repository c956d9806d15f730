package dev.distill.examples.bench;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.encoder.Encoder;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Inference latency and throughput of the teacher against the student at one batch size: the
 * median over repetitions (after warm-up) of one forward pass, dropout off and no autograd,
 * from ids already on the device to the pooled embedding read back ({@link Sync}). The ratio
 * of the two medians, measured in the same process one after the other, is the speed-up.
 */
final class InferenceBench {

    private InferenceBench() {}

    static JsonObject run(BenchModels models, Encoder student, int batch, int seq, int reps, int warmup, long seed,
            PrintStream progress) {
        double teacher = medianLatency(models, models.teacherEncoder(), batch, seq, reps, warmup, seed);
        if (progress != null) {
            progress.printf(Locale.ROOT, "bench inference batch %d: teacher %.1f ms%n", batch, teacher * 1e3);
        }
        double studentS = medianLatency(models, student, batch, seq, reps, warmup, seed);
        if (progress != null) {
            progress.printf(Locale.ROOT, "bench inference batch %d: student %.1f ms%n", batch, studentS * 1e3);
        }
        JsonObject o = new JsonObject();
        o.addProperty("bench", "inference");
        o.addProperty("device", models.device().toString());
        o.addProperty("teacher", models.teacherDescription());
        o.addProperty("student", models.studentDescription());
        o.addProperty("batch", batch);
        o.addProperty("seq", seq);
        o.addProperty("repetitions", reps);
        o.addProperty("warmup", warmup);
        o.addProperty("teacher_ms", teacher * 1e3);
        o.addProperty("student_ms", studentS * 1e3);
        o.addProperty("teacher_sequences_per_s", batch / teacher);
        o.addProperty("student_sequences_per_s", batch / studentS);
        o.addProperty("teacher_tokens_per_s", (double) batch * seq / teacher);
        o.addProperty("student_tokens_per_s", (double) batch * seq / studentS);
        o.addProperty("speedup", teacher / studentS);
        o.addProperty("teacher_parameters", models.teacherEncoder().parameterCount());
        o.addProperty("student_parameters", student.parameterCount());
        return o;
    }

    private static double medianLatency(BenchModels models, Encoder encoder, int batch, int seq, int reps, int warmup,
            long seed) {
        RandomTokens data = new RandomTokens(batch, seq, models.teacherConfig().vocabSize(),
                models.teacherConfig().padTokenId(), seed, 1000);
        double[] seconds = new double[reps];
        for (int i = -warmup; i < reps; i++) {
            try (NDManager m = models.manager().newSubManager()) {
                TokenBatch b = data.next(m);
                Sync.on(b.inputIds());
                long t0 = System.nanoTime();
                Sync.on(encoder.forward(b, false).pooled());
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        return Stats.median(seconds);
    }
}
