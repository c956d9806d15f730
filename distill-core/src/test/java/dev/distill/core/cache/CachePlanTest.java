package dev.distill.core.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache built shard by shard through {@link CachePlan} (as a distributed build does: plan and
 * finish in one place, shards computed by separate builder instances in any order) is the same,
 * file for file, as the single-process {@link TopKCacheBuilder#build}; a missing or torn shard
 * keeps it incomplete.
 */
class CachePlanTest {

    @TempDir
    Path tmp;

    @Test
    void shardByShardInAnyOrderEqualsTheSingleProcessBuild() throws IOException {
        int vocab = 300;
        List<CacheExample> examples = SyntheticTeacher.examples(23, vocab, 4);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 6, 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            Path single = tmp.resolve("single");
            TopKCacheBuilder.builder(single, new SyntheticTeacher(vocab, 0), manager, vocab).optExamplesPerShard(5)
                    .optBatchSize(3).build().build(examples, fp);

            Path split = tmp.resolve("split");
            CachePlan plan = CachePlan.of(split, fp, examples.size(), 5, vocab, 0, 0);
            plan.begin();
            assertEquals(5, plan.numShards());
            assertEquals(3, plan.shardSize(4));
            assertEquals(2, plan.shardOf(14));
            for (int s : new int[] {3, 0, 4, 1}) { // shard 2 left for later, the others out of order
                TopKCacheBuilder worker = TopKCacheBuilder.builder(split, new SyntheticTeacher(vocab, 0), manager,
                        vocab).optBatchSize(3).build();
                int first = (int) plan.firstExample(s);
                ComputedShard c = worker.computeShard(plan, s, examples.subList(first, first + plan.shardSize(s)));
                assertEquals(Files.size(single.resolve(CacheManifest.shardName(s))), c.commit());
            }
            NoSuchFileException missing = assertThrows(NoSuchFileException.class, plan::finishFromShards);
            assertTrue(missing.getMessage().contains("shard 2"), missing.getMessage());
            assertThrows(IllegalStateException.class, () -> TopKCache.open(split), "still incomplete");

            // A torn shard 2 (half its bytes under the final name) is not complete; the rebuild replaces it.
            TopKCacheBuilder worker = TopKCacheBuilder.builder(split, new SyntheticTeacher(vocab, 0), manager, vocab)
                    .optBatchSize(3).build();
            ComputedShard two = worker.computeShard(plan, 2, examples.subList(10, 15));
            byte[] full = two.toBytes();
            Files.write(plan.shardFile(2), Arrays.copyOf(full, full.length / 2));
            Files.write(split.resolve(".shard-00002.bin.tmp-killed"), Arrays.copyOf(full, 100));
            assertNull(plan.completeShard(2));
            two.commit();
            assertNotNull(plan.completeShard(2));

            CachePlan.Totals t = plan.finishFromShards();
            TopKCache a = TopKCache.open(single, fp);
            TopKCache b = TopKCache.open(split, fp);
            assertEquals(a.positions(), t.positions());
            assertEquals(Files.readString(single.resolve("cache.json")), Files.readString(split.resolve("cache.json")));
            for (int s = 0; s < 5; s++) {
                String name = CacheManifest.shardName(s);
                assertArrayEquals(Files.readAllBytes(single.resolve(name)), Files.readAllBytes(split.resolve(name)),
                        name);
            }
            assertTrue(Files.notExists(split.resolve(".shard-00002.bin.tmp-killed")), "stray temporary deleted");
            assertEquals(examples.size(), b.numExamples());
        }
    }

    @Test
    void aPlanRefusesAnotherCachesDirectoryAndBadShards() throws IOException {
        CacheFingerprint fp = new CacheFingerprint("t", "tok", "d", 64, 6, 3);
        CachePlan.of(tmp, fp, 10, 4, 300, 0, 0).begin();
        CacheFingerprint other = new CacheFingerprint("t", "tok", "e", 64, 6, 3);
        FingerprintMismatchException e = assertThrows(FingerprintMismatchException.class,
                () -> CachePlan.of(tmp, other, 10, 4, 300, 0, 0).begin());
        assertTrue(e.getMessage().contains("data"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> CachePlan.of(tmp, fp, 10, 4, 300, 0, 0).shardFile(3));
        assertTrue(bad.getMessage().contains("shards 0..2"), bad.getMessage());
    }
}
