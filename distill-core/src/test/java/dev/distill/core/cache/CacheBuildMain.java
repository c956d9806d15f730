package dev.distill.core.cache;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child process for the kill-during-build test. Arguments: the cache directory, the teacher call
 * at which to stop ({@link #PAUSE_AT_CALL}) and a marker file. The teacher runs normally until
 * that call, then creates the marker and blocks for good, so the parent kills the child at exactly
 * that point whatever the machine's speed: after shard {@code (PAUSE_AT_CALL - 1) / CALLS_PER_SHARD}
 * completed shards, in the middle of the next one.
 */
public final class CacheBuildMain {

    static final int VOCAB = 300;
    static final int EXAMPLES = 48;
    static final int PER_SHARD = 6;
    static final int K = 8;
    /** Batches of 4 over shards of 6 examples: two teacher calls per shard. */
    static final int CALLS_PER_SHARD = 2;
    /** The first call of shard 4 (0-based 3) is never answered: shards 0-2 are complete, shard 3 half read. */
    static final int PAUSE_AT_CALL = 3 * CALLS_PER_SHARD + 1;

    private CacheBuildMain() {}

    static CacheFingerprint fingerprint(List<CacheExample> examples) {
        return CacheFingerprint.of("teacher-a", "tokenizer-a", examples, 64, K, 42);
    }

    static TopKCacheBuilder builder(Path dir, SyntheticTeacher teacher, NDManager m) {
        return TopKCacheBuilder.builder(dir, teacher, m, VOCAB).optExamplesPerShard(PER_SHARD).optBatchSize(4).build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int pauseAt = Integer.parseInt(args[1]);
        Path marker = Path.of(args[2]);
        List<CacheExample> examples = SyntheticTeacher.examples(EXAMPLES, VOCAB, 5);
        SyntheticTeacher real = new SyntheticTeacher(VOCAB, 0);
        TopKCacheBuilder.Teacher pausing = (batch, positions) -> {
            if (real.calls + 1 == pauseAt) {
                try {
                    Files.createFile(marker);
                    Thread.sleep(Long.MAX_VALUE); // wait here for SIGKILL
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return real.run(batch, positions);
        };
        try (NDManager m = NDManager.newBaseManager()) {
            System.out.println("started");
            System.out.flush();
            TopKCacheBuilder.builder(dir, pausing, m, VOCAB).optExamplesPerShard(PER_SHARD).optBatchSize(4).build()
                    .build(examples, fingerprint(examples));
        }
        System.out.println("finished");
    }
}
