package dev.distill.core.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.io.MalformedFileException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopKCacheTest {

    static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** The exact top-k of softmax(logits) in double precision, recomputed from the formula. */
    static void checkAgainstReference(TopKCache cache, List<CacheExample> examples, int vocab) {
        int k = cache.k();
        for (int e = 0; e < examples.size(); e++) {
            CacheExample ex = examples.get(e);
            TopKCache.Entry got = cache.example(e);
            assertArrayEquals(ex.positions(), got.positions());
            for (int i = 0; i < ex.positions().length; i++) {
                int p = ex.positions()[i];
                double[] z = new double[vocab];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    // the teacher hands float32 logits over, as a real one would
                    z[v] = (float) SyntheticTeacher.logit(ex.inputIds()[p], p == 0 ? 0 : ex.inputIds()[p - 1], p, v);
                    max = Math.max(max, z[v]);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += Math.exp(z[v] - max);
                }
                double total = sum;
                double top = max;
                Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble(v -> -z[v]));
                for (int j = 0; j < k; j++) {
                    double prob = Math.exp(z[order[j]] - top) / total;
                    assertEquals(order[j], got.ids()[i * k + j], "example " + e + " position " + p + " rank " + j);
                    // fp16 keeps 11 significant bits: relative error ≤ 2^-11, plus float32 softmax error
                    assertEquals(prob, got.probs()[i * k + j], prob * 0x1p-11 + 1e-6,
                            "example " + e + " position " + p + " rank " + j);
                }
            }
        }
    }

    @Test
    void contentMatchesAnIndependentTopKWithOneByteIds() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(30, vocab, 1);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 8, 7);
        TopKCacheBuilder.Result r = TopKCacheBuilder.builder(tmp, new SyntheticTeacher(vocab, 0), manager, vocab)
                .optExamplesPerShard(7).optBatchSize(4).build().build(examples, fp);
        assertEquals(5, r.shardsBuilt());
        TopKCache cache = TopKCache.open(tmp, fp);
        assertEquals(1, ShardFormat.idBytes(vocab));
        checkAgainstReference(cache, examples, vocab);

        // The batch view: (B, T, k) with the entries at their positions and nothing elsewhere.
        try (NDManager m = manager.newSubManager()) {
            TopKCache.Batch b = cache.batch(new long[] {3, 0}, 41, m);
            assertEquals(new Shape(2, 41, 8), b.ids().getShape());
            boolean[] kept = b.kept().toBooleanArray();
            float[] probs = b.probs().toFloatArray();
            long[] ids = b.ids().toLongArray();
            TopKCache.Entry e3 = cache.example(3);
            for (int t = 0; t < 41; t++) {
                int idx = Arrays.binarySearch(e3.positions(), t);
                assertEquals(idx >= 0, kept[t]);
                for (int j = 0; j < 8; j++) {
                    assertEquals(idx >= 0 ? e3.probs()[idx * 8 + j] : 0f, probs[t * 8 + j]);
                    assertEquals(idx >= 0 ? e3.ids()[idx * 8 + j] : 0L, ids[t * 8 + j]);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> cache.batch(new long[] {0}, 1, m));
        }
    }

    @Test
    void k32WithBertVocabularyCostsFourBytesPerEntryPlusSmallHeaders() throws IOException {
        int vocab = 30522;
        List<CacheExample> examples = SyntheticTeacher.examples(12, vocab, 2);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 32, 7);
        TopKCacheBuilder.Result r = TopKCacheBuilder.builder(tmp, new SyntheticTeacher(vocab, 0), manager, vocab)
                .optExamplesPerShard(5).build().build(examples, fp);
        TopKCache cache = TopKCache.open(tmp, fp);
        checkAgainstReference(cache, examples.subList(0, 3), vocab);
        long positions = examples.stream().mapToLong(e -> e.positions().length).sum();
        assertEquals(positions, r.positions());
        assertEquals(positions, cache.positions());
        // Size from the format description: per shard magic+length+JSON (padded to 8), index of
        // (n+1) int64, 16-byte trailer; per example a uint16; per position uint16 + 32 × (2 + 2).
        long expected = 0;
        for (int s = 0; s < 3; s++) {
            Path f = tmp.resolve(String.format("shard-%05d.bin", s));
            ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("DTOPK", new String(head.array(), 0, 5, StandardCharsets.US_ASCII));
            int n = Math.min(5, 12 - 5 * s);
            expected += ((12 + head.getInt(8) + 7) & ~7) + 8L * (n + 1) + 16;
        }
        expected += 2L * examples.size() + 130L * positions;
        assertEquals(expected, r.bytes());
        assertEquals(expected, cache.bytes());
        // i.e. 4 bytes per kept (id, probability) entry plus a 2-byte position header; the shard
        // headers (a few hundred bytes each) vanish at realistic shard sizes of thousands of examples.
    }

    @Test
    void pooledEmbeddingsAreStoredInFp16() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(9, vocab, 6);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 4, 7);
        SyntheticTeacher teacher = new SyntheticTeacher(vocab, 0);
        teacher.pooledDim = 5;
        TopKCacheBuilder.builder(tmp, teacher, manager, vocab).optPooledDim(5).optExamplesPerShard(4).optBatchSize(3)
                .build().build(examples, fp);
        TopKCache cache = TopKCache.open(tmp, fp);
        assertEquals(5, cache.pooledDim());
        try (NDManager m = manager.newSubManager()) {
            float[] got = cache.pooled(new long[] {8, 2}, m).toFloatArray();
            for (int r = 0; r < 2; r++) {
                long first = examples.get(r == 0 ? 8 : 2).inputIds()[0];
                for (int d = 0; d < 5; d++) {
                    double want = SyntheticTeacher.pooled(first, d);
                    assertEquals(want, got[r * 5 + d], Math.abs(want) * 0x1p-11 + 1e-7, "row " + r + " dim " + d);
                }
            }
        }
        checkAgainstReference(cache, examples, vocab);
    }

    @Test
    void aDifferentFingerprintIsRefusedWithWhatDiffers() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(10, vocab, 3);
        CacheFingerprint fp = CacheFingerprint.of("teacher-1", "tok", examples, 64, 8, 7);
        TopKCacheBuilder builder = TopKCacheBuilder.builder(tmp, new SyntheticTeacher(vocab, 0), manager, vocab).build();
        builder.build(examples, fp);

        CacheFingerprint other = new CacheFingerprint("teacher-2", "tok", fp.dataHash(), 64, 16, 7);
        FingerprintMismatchException e = assertThrows(FingerprintMismatchException.class,
                () -> TopKCache.open(tmp, other));
        assertEquals(List.of("teacher weights: cache teacher-1 vs requested teacher-2", "k: cache 8 vs requested 16"),
                e.differences());
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());

        List<CacheExample> otherData = SyntheticTeacher.examples(10, vocab, 4);
        CacheFingerprint otherDataFp = CacheFingerprint.of("teacher-1", "tok", otherData, 64, 8, 7);
        FingerprintMismatchException d = assertThrows(FingerprintMismatchException.class,
                () -> TopKCache.open(tmp, otherDataFp));
        assertEquals(1, d.differences().size());
        assertTrue(d.differences().get(0).startsWith("data: cache "), d.differences().get(0));
        // the builder will not mix two data sets in one directory either
        FingerprintMismatchException b = assertThrows(FingerprintMismatchException.class,
                () -> builder.build(otherData, otherDataFp));
        assertTrue(b.getMessage().contains("delete this one to rebuild it"), b.getMessage());
        // and a fingerprint that was not made from the examples is caught
        assertThrows(IllegalArgumentException.class, () -> builder.build(otherData, fp));
    }

    @Test
    void truncatedOrDamagedShardIsRefusedAndRebuilt() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(20, vocab, 5);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 8, 7);
        TopKCacheBuilder builder = TopKCacheBuilder.builder(tmp, new SyntheticTeacher(vocab, 0), manager, vocab)
                .optExamplesPerShard(5).build();
        builder.build(examples, fp);
        Path shard1 = tmp.resolve("shard-00001.bin");
        Path shard2 = tmp.resolve("shard-00002.bin");
        byte[] good1 = Files.readAllBytes(shard1);
        byte[] good2 = Files.readAllBytes(shard2);
        try (RandomAccessFile f = new RandomAccessFile(shard1.toFile(), "rw")) {
            f.setLength(good1.length - 37);
        }
        MalformedFileException t = assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp));
        assertEquals(shard1, t.file());
        assertTrue(t.getMessage().contains("truncated cache shard: " + (good1.length - 37) + " bytes, its index says "
                + good1.length), t.getMessage());
        try (RandomAccessFile f = new RandomAccessFile(shard1.toFile(), "rw")) {
            f.setLength(40);
        }
        assertTrue(assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp)).getMessage()
                .contains("truncated cache shard"));

        byte[] damaged = good2.clone();
        damaged[damaged.length - 100] ^= 0x10;
        Files.write(shard2, damaged);
        MalformedFileException c = assertThrows(MalformedFileException.class, () -> {
            Files.write(shard1, good1);
            TopKCache.open(tmp);
        });
        assertTrue(c.getMessage().contains("checksum mismatch"), c.getMessage());

        // The builder keeps good shards and recomputes the damaged one.
        Files.write(shard1, Arrays.copyOf(good1, 100));
        TopKCacheBuilder.Result r = builder.build(examples, fp);
        assertEquals(2, r.shardsBuilt());
        assertEquals(2, r.shardsReused());
        assertArrayEquals(good1, Files.readAllBytes(shard1));
        assertArrayEquals(good2, Files.readAllBytes(shard2));
        checkAgainstReference(TopKCache.open(tmp, fp), examples, vocab);
    }

    @Test
    void killedBuildResumesToTheSameCacheAsAnUninterruptedOne() throws Exception {
        Path killed = tmp.resolve("killed");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                CacheBuildMain.class.getName(), killed.toString(), "120").redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(killed.resolve("shard-00002.bin"))) {
                assertTrue(p.isAlive(), () -> "the child died early: " + output(p));
                assertTrue(System.nanoTime() < deadline, "the child wrote no shard within 60 s");
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(killed.resolve(String.format("shard-%05d.bin", CacheBuildMain.EXAMPLES
                / CacheBuildMain.PER_SHARD - 1))), "the child finished before it was killed; slow it down");
        IllegalStateException incomplete = assertThrows(IllegalStateException.class, () -> TopKCache.open(killed));
        assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());

        List<CacheExample> examples = SyntheticTeacher.examples(CacheBuildMain.EXAMPLES, CacheBuildMain.VOCAB, 5);
        CacheFingerprint fp = CacheBuildMain.fingerprint(examples);
        SyntheticTeacher resumedTeacher = new SyntheticTeacher(CacheBuildMain.VOCAB, 0);
        TopKCacheBuilder.Result resumed = CacheBuildMain.builder(killed, resumedTeacher, manager).build(examples, fp);
        assertTrue(resumed.shardsReused() >= 3, "reused " + resumed.shardsReused());
        assertEquals(CacheBuildMain.EXAMPLES / CacheBuildMain.PER_SHARD, resumed.shardsReused() + resumed.shardsBuilt());
        assertEquals(resumed.shardsBuilt() * 2, resumedTeacher.calls, "only the missing shards were computed");

        Path clean = tmp.resolve("clean");
        CacheBuildMain.builder(clean, new SyntheticTeacher(CacheBuildMain.VOCAB, 0), manager).build(examples, fp);
        for (int s = 0; s < CacheBuildMain.EXAMPLES / CacheBuildMain.PER_SHARD; s++) {
            String name = String.format("shard-%05d.bin", s);
            assertArrayEquals(Files.readAllBytes(clean.resolve(name)), Files.readAllBytes(killed.resolve(name)), name);
        }
        assertEquals(Files.readString(clean.resolve("cache.json")), Files.readString(killed.resolve("cache.json")));
        try (var leftovers = Files.list(killed)) {
            assertEquals(List.of(), leftovers.map(q -> q.getFileName().toString()).filter(n -> n.contains(".tmp-"))
                    .toList());
        }
        checkAgainstReference(TopKCache.open(killed, fp), examples.subList(0, 6), CacheBuildMain.VOCAB);
    }

    private static String output(Process p) {
        try {
            return new String(p.getInputStream().readNBytes(4000), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
