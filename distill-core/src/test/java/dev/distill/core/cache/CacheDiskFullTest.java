package dev.distill.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.distill.core.io.SmallFileSystem;
import dev.distill.core.io.WriteFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills while the teacher-output cache is built, on a real tmpfs ({@link
 * SmallFileSystem}): the shard being written fails naming itself and the full disk, the shards
 * already written stay valid, and after freeing space the build resumes, reusing them.
 */
class CacheDiskFullTest {

    @TempDir
    Path tmp;

    @Test
    void aShardOnAFullDiskFailsClearlyAndTheShardsBeforeAreKept() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(tmp.resolve("small"), "2m");
                NDManager manager = NDManager.newBaseManager()) {
            Path dir = fs.root().resolve("cache");
            int vocab = 200;
            List<CacheExample> examples = SyntheticTeacher.examples(21, vocab, 1);
            CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 8, 7);
            TopKCacheBuilder filling = TopKCacheBuilder.builder(dir, new SyntheticTeacher(vocab, 0), manager, vocab)
                    .optExamplesPerShard(7).optBatchSize(4).optProgress((done, total, positions) -> {
                        if (done == 7) { // shard 0 is on disk: the disk is full from here on
                            try {
                                fs.fill();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                    }).build();
            WriteFailedException e = assertThrows(WriteFailedException.class, () -> filling.build(examples, fp));
            Path shard1 = dir.resolve(CacheManifest.shardName(1)).toAbsolutePath().normalize();
            assertEquals(shard1, e.target());
            assertTrue(e.getMessage().startsWith("cannot write " + shard1 + ": No space left on device (the disk is"
                    + " full); what was there before is unchanged"), e.getMessage());
            assertTrue(Files.isRegularFile(dir.resolve(CacheManifest.shardName(0))));
            assertTrue(!Files.exists(shard1), "no partial shard under the shard's name");

            fs.free();
            TopKCacheBuilder.Result r = TopKCacheBuilder.builder(dir, new SyntheticTeacher(vocab, 0), manager, vocab)
                    .optExamplesPerShard(7).optBatchSize(4).build().build(examples, fp);
            assertEquals(1, r.shardsReused());
            assertEquals(2, r.shardsBuilt());
            TopKCacheTest.checkAgainstReference(TopKCache.open(dir, fp), examples, vocab);
        }
    }
}
