package dev.distill.core.cache;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;

/** Child process for the kill-during-build test: builds a slow cache until it is killed. */
public final class CacheBuildMain {

    static final int VOCAB = 300;
    static final int EXAMPLES = 48;
    static final int PER_SHARD = 6;
    static final int K = 8;

    private CacheBuildMain() {}

    static CacheFingerprint fingerprint(List<CacheExample> examples) {
        return CacheFingerprint.of("teacher-a", "tokenizer-a", examples, 64, K, 42);
    }

    static TopKCacheBuilder builder(Path dir, SyntheticTeacher teacher, NDManager m) {
        return TopKCacheBuilder.builder(dir, teacher, m, VOCAB).optExamplesPerShard(PER_SHARD).optBatchSize(4).build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long delay = Long.parseLong(args[1]);
        List<CacheExample> examples = SyntheticTeacher.examples(EXAMPLES, VOCAB, 5);
        try (NDManager m = NDManager.newBaseManager()) {
            System.out.println("started");
            System.out.flush();
            builder(dir, new SyntheticTeacher(VOCAB, delay), m).build(examples, fingerprint(examples));
        }
        System.out.println("finished");
    }
}
