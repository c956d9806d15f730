package dev.distill.examples.bench;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.heads.Head;
import dev.distill.models.heads.MaskedLmHead;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The teacher-output cache ({@link TopKCacheBuilder}, {@link TopKCache}) for one k: how fast it
 * is built (teacher forward, vocabulary logits at the kept positions, softmax, top-k, shard
 * write), how fast batches are read back onto the device, and how many bytes a kept position
 * costs against storing the full distribution in float32 (4·V bytes).
 *
 * <p>Examples are random token ids of the benchmark's sequence length with a random 15% of
 * positions kept (at least one), the masked-LM convention. The teacher's MLM head is its own
 * when it has one ({@code kd} in {@code --losses}), else {@link MlmTeacher#identityHead}: the
 * distributions are then not a trained MLM's, which changes neither the size nor the speed.
 */
final class CacheBench {

    /** Fraction of positions kept per example. */
    static final double KEPT_FRACTION = 0.15;

    private CacheBench() {}

    static JsonObject run(BenchModels models, int k, int examples, int batch, int seq, int reps, int warmup,
            long seed, Path dir, PrintStream progress) throws IOException {
        int vocab = models.teacherConfig().vocabSize();
        if (k < 1 || k > vocab) {
            throw new IllegalArgumentException("--cache-k " + k + " must be in [1, " + vocab + "] (the vocabulary)");
        }
        if (examples < 1) {
            throw new IllegalArgumentException("--cache-examples (" + examples + ") must be positive");
        }
        List<CacheExample> data = examples(examples, seq, vocab, models.teacherConfig().padTokenId(), seed);
        CacheFingerprint fp = CacheFingerprint.of(models.teacher().fingerprint(), "random-token-ids", data, seq, k,
                seed);
        TopKCacheBuilder.Result built;
        double buildSeconds;
        try (NDManager headManager = models.manager().newSubManager()) {
            Head own = models.teacherEncoder().head().orElse(null);
            MaskedLmHead head = own instanceof MaskedLmHead
                    ? (MaskedLmHead) own : MlmTeacher.identityHead(models.teacherEncoder(), headManager);
            MlmTeacher teacher = new MlmTeacher(models.teacherEncoder(), head, false);
            TopKCacheBuilder builder = TopKCacheBuilder.builder(dir, teacher, models.manager(), vocab)
                    .optBatchSize(batch).optPadId(models.teacherConfig().padTokenId()).build();
            long t0 = System.nanoTime();
            built = builder.build(data, fp);
            buildSeconds = (System.nanoTime() - t0) / 1e9;
        }
        if (progress != null) {
            progress.printf(Locale.ROOT, "bench cache k=%d: built %d positions in %.1f s%n", k, built.positions(),
                    buildSeconds);
        }

        TopKCache cache = TopKCache.open(dir, fp);
        int readBatch = Math.min(batch, examples);
        SplittableRandom r = new SplittableRandom(seed + k);
        double[] seconds = new double[reps];
        long positionsRead = 0;
        for (int i = -warmup; i < reps; i++) {
            long[] rows = new long[readBatch];
            long kept = 0;
            for (int j = 0; j < readBatch; j++) {
                rows[j] = r.nextInt(examples);
                kept += data.get((int) rows[j]).positions().length;
            }
            try (NDManager m = models.manager().newSubManager()) {
                long s0 = System.nanoTime();
                TopKCache.Batch b = cache.batch(rows, seq, m);
                Sync.on(b.probs());
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - s0) / 1e9;
                    positionsRead += kept;
                }
            }
        }
        double readMedian = Stats.median(seconds);
        double positionsPerBatch = (double) positionsRead / reps;
        int buildBatches = (examples + batch - 1) / batch;

        JsonObject o = new JsonObject();
        o.addProperty("bench", "cache");
        o.addProperty("device", models.device().toString());
        o.addProperty("teacher", models.teacherDescription());
        o.addProperty("k", k);
        o.addProperty("vocab", vocab);
        o.addProperty("examples", examples);
        o.addProperty("seq", seq);
        o.addProperty("positions", built.positions());
        o.addProperty("bytes", built.bytes());
        o.addProperty("bytes_per_position", built.bytesPerPosition());
        o.addProperty("fp32_bytes_per_position", 4L * vocab);
        o.addProperty("fp32_over_cache", 4.0 * vocab / built.bytesPerPosition());
        o.addProperty("build_s", buildSeconds);
        o.addProperty("build_positions_per_s", built.positions() / buildSeconds);
        o.addProperty("build_examples_per_s", examples / buildSeconds);
        o.addProperty("build_ms_per_batch", 1e3 * buildSeconds / buildBatches);
        o.addProperty("read_batch", readBatch);
        o.addProperty("read_repetitions", reps);
        o.addProperty("read_ms_per_batch", readMedian * 1e3);
        o.addProperty("read_positions_per_s", positionsPerBatch / readMedian);
        o.addProperty("read_examples_per_s", readBatch / readMedian);
        return o;
    }

    /** Random ids (never the pad id) with a sorted random 15% of positions kept, at least one. */
    static List<CacheExample> examples(int count, int seq, int vocab, long padId, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int keep = Math.max(1, (int) Math.round(KEPT_FRACTION * seq));
        List<CacheExample> out = new ArrayList<>(count);
        for (int e = 0; e < count; e++) {
            long[] ids = new long[seq];
            for (int i = 0; i < seq; i++) {
                long id;
                do {
                    id = r.nextInt(vocab);
                } while (id == padId);
                ids[i] = id;
            }
            int[] all = new int[seq];
            for (int i = 0; i < seq; i++) {
                all[i] = i;
            }
            for (int i = 0; i < keep; i++) { // partial Fisher-Yates: the first `keep` are a uniform sample
                int j = i + r.nextInt(seq - i);
                int tmp = all[i];
                all[i] = all[j];
                all[j] = tmp;
            }
            int[] positions = Arrays.copyOf(all, keep);
            Arrays.sort(positions);
            out.add(new CacheExample(ids, null, positions));
        }
        return out;
    }
}
