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
        // (n+1) int64, 16-byte trailer; per example two uint16 (P, T); per position uint16 + 32 × (2 + 2).
        long expected = 0;
        for (int s = 0; s < 3; s++) {
            Path f = tmp.resolve(String.format("shard-%05d.bin", s));
            ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("DTOPK", new String(head.array(), 0, 5, StandardCharsets.US_ASCII));
            int n = Math.min(5, 12 - 5 * s);
            expected += ((12 + head.getInt(8) + 7) & ~7) + 8L * (n + 1) + 16;
        }
        expected += 4L * examples.size() + 130L * positions;
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

    /** A synthetic teacher with hidden states 0..3 of width 6, and a cache of hidden states 0 and 2. */
    private static SyntheticTeacher hiddenTeacher(int vocab) {
        SyntheticTeacher t = new SyntheticTeacher(vocab, 0);
        t.hiddenDim = 6;
        t.hiddenLayers = 3;
        return t;
    }

    @Test
    void chosenHiddenStatesAreStoredPerTokenInFp16AndReadAsPaddedBatches() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(11, vocab, 8);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 4, 7).withHiddenLayers(List.of(0, 2));
        TopKCacheBuilder.Result r = TopKCacheBuilder.builder(tmp, hiddenTeacher(vocab), manager, vocab)
                .optHiddenDim(6).optExamplesPerShard(4).optBatchSize(3).build().build(examples, fp);
        TopKCache cache = TopKCache.open(tmp, fp);
        assertEquals(List.of(0, 2), cache.hiddenLayers());
        assertEquals(6, cache.hiddenDim());
        // Each stored value is the fp16 rounding (Fp16, round to nearest even) of the teacher's float32 value.
        for (int e = 0; e < examples.size(); e++) {
            long[] ids = examples.get(e).inputIds();
            assertEquals(ids.length, cache.tokens(e));
            for (int layer : new int[] {0, 2}) {
                float[] got = cache.hidden(e, layer);
                assertEquals(ids.length * 6, got.length);
                for (int p = 0; p < ids.length; p++) {
                    for (int d = 0; d < 6; d++) {
                        float want = Fp16.toFloat(Fp16.fromFloat((float) SyntheticTeacher.hidden(layer, ids[p], p, d)));
                        assertEquals(want, got[p * 6 + d], 0f, "example " + e + " layer " + layer + " token " + p);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> cache.hidden(0, 1), "layer 1 was not stored");
        checkAgainstReference(cache, examples, vocab); // the top-k entries are unaffected

        // The batch view: (B, T, H) per stored layer, the example's tokens first, zeros after.
        try (NDManager m = manager.newSubManager()) {
            long[] rows = {5, 0, 9};
            int t = 45;
            List<ai.djl.ndarray.NDArray> batch = cache.hiddenStates(rows, t, m);
            assertEquals(2, batch.size());
            for (int l = 0; l < 2; l++) {
                assertEquals(new Shape(3, t, 6), batch.get(l).getShape());
                float[] v = batch.get(l).toFloatArray();
                for (int b = 0; b < 3; b++) {
                    float[] want = cache.hidden(rows[b], l == 0 ? 0 : 2);
                    for (int i = 0; i < t * 6; i++) {
                        assertEquals(i < want.length ? want[i] : 0f, v[b * t * 6 + i], 0f, "row " + b + " value " + i);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> cache.hiddenStates(new long[] {0}, 4, m));
        }

        // Size: the records grow by 2 layers × T tokens × 6 × 2 bytes, nothing else changes.
        long tokens = examples.stream().mapToLong(e -> e.inputIds().length).sum();
        long positions = examples.stream().mapToLong(e -> e.positions().length).sum();
        long expected = 0;
        for (int s = 0; s < 3; s++) {
            ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(tmp.resolve(String.format("shard-%05d.bin", s))))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int n = Math.min(4, 11 - 4 * s);
            expected += ((12 + head.getInt(8) + 7) & ~7) + 8L * (n + 1) + 16;
        }
        expected += 4L * examples.size() + (2 + 4 * (2 + 1)) * positions + 2L * 2 * 6 * tokens;
        assertEquals(expected, r.bytes());
    }

    @Test
    void hiddenLayersAreInTheFingerprintAndTheBuilderChecksThem() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(6, vocab, 9);
        CacheFingerprint plain = CacheFingerprint.of("t", "tok", examples, 64, 4, 7);
        CacheFingerprint fp = plain.withHiddenLayers(List.of(0, 2));
        TopKCacheBuilder builder = TopKCacheBuilder.builder(tmp, hiddenTeacher(vocab), manager, vocab).optHiddenDim(6)
                .build();
        builder.build(examples, fp);
        FingerprintMismatchException e = assertThrows(FingerprintMismatchException.class,
                () -> TopKCache.open(tmp, plain));
        assertEquals(List.of("hidden layers: cache [0, 2] vs requested []"), e.differences());
        FingerprintMismatchException other = assertThrows(FingerprintMismatchException.class,
                () -> builder.build(examples, plain.withHiddenLayers(List.of(0, 3))));
        assertTrue(other.getMessage().contains("hidden layers: cache [0, 2] vs requested [0, 3]"), other.getMessage());
        assertEquals("t", TopKCache.open(tmp, fp).fingerprint().teacherHash());

        // Misconfigurations are named with their fix.
        Path d = tmp.resolve("other");
        IllegalArgumentException noDim = assertThrows(IllegalArgumentException.class, () -> TopKCacheBuilder
                .builder(d, hiddenTeacher(vocab), manager, vocab).build().build(examples, fp));
        assertTrue(noDim.getMessage().contains("call optHiddenDim(H)"), noDim.getMessage());
        IllegalArgumentException noLayers = assertThrows(IllegalArgumentException.class, () -> TopKCacheBuilder
                .builder(d, hiddenTeacher(vocab), manager, vocab).optHiddenDim(6).build().build(examples, plain));
        assertTrue(noLayers.getMessage().contains("names no hidden layers"), noLayers.getMessage());
        IllegalArgumentException tooDeep = assertThrows(IllegalArgumentException.class, () -> TopKCacheBuilder
                .builder(d, hiddenTeacher(vocab), manager, vocab).optHiddenDim(6).build()
                .build(examples, plain.withHiddenLayers(List.of(4))));
        assertTrue(tooDeep.getMessage().contains("hidden layer 4 does not exist: the teacher has 4 hidden states"),
                tooDeep.getMessage());
        assertThrows(IllegalArgumentException.class, () -> plain.withHiddenLayers(List.of(2, 0)));
    }

    @Test
    void aTruncatedOrInconsistentShardWithHiddenStatesIsRefused() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(8, vocab, 10);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 4, 7).withHiddenLayers(List.of(3));
        TopKCacheBuilder.builder(tmp, hiddenTeacher(vocab), manager, vocab).optHiddenDim(6).optExamplesPerShard(4)
                .build().build(examples, fp);
        Path shard = tmp.resolve("shard-00001.bin");
        byte[] good = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(good, good.length - 6 * 2 * 3)); // three vectors short
        MalformedFileException t = assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp, fp));
        assertTrue(t.getMessage().contains("truncated cache shard: " + (good.length - 36) + " bytes, its index says "
                + good.length), t.getMessage());

        // A record whose token count does not match its length (e.g. written by a broken writer).
        byte[] bad = good.clone();
        ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        int indexOffset = (12 + b.getInt(8) + 7) & ~7;
        int record = (int) b.getLong(indexOffset);
        b.putShort(record + 2, (short) (b.getShort(record + 2) + 1));
        Files.write(shard, bad);
        MalformedFileException c = assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp, fp));
        assertTrue(c.getMessage().contains("corrupt cache shard: record 0 holds"), c.getMessage());
    }

    @Test
    void aCacheOfTheFirstFormatVersionIsRefusedWithTheFix() throws IOException {
        int vocab = 200;
        List<CacheExample> examples = SyntheticTeacher.examples(3, vocab, 11);
        CacheFingerprint fp = CacheFingerprint.of("t", "tok", examples, 64, 4, 7);
        TopKCacheBuilder builder = TopKCacheBuilder.builder(tmp, new SyntheticTeacher(vocab, 0), manager, vocab).build();
        builder.build(examples, fp);
        Path manifest = tmp.resolve("cache.json");
        String v2 = Files.readString(manifest);
        Files.writeString(manifest, v2.replace("\"version\": 2", "\"version\": 1"));
        MalformedFileException m = assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp, fp));
        assertTrue(m.getMessage().contains("cache format version 1, but this distill reads only version 2")
                && m.getMessage().contains("delete " + tmp + " and build the cache again"), m.getMessage());
        assertThrows(MalformedFileException.class, () -> builder.build(examples, fp), "the builder refuses it too");

        Files.writeString(manifest, v2);
        Path shard = tmp.resolve("shard-00000.bin");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[7] = '1'; // a version-1 shard's magic
        Files.write(shard, bytes);
        MalformedFileException s = assertThrows(MalformedFileException.class, () -> TopKCache.open(tmp, fp));
        assertTrue(s.getMessage().contains("format version 1; this distill reads version 2"), s.getMessage());
    }

    /**
     * SIGKILL at a fixed point of the build (the child blocks in its teacher's first call of the
     * fourth shard and signals it through a marker file), then a resume in this JVM: exactly the
     * three complete shards are kept, the other five are computed, and the result is byte for byte
     * an uninterrupted build.
     */
    @Test
    void killedBuildResumesToTheSameCacheAsAnUninterruptedOne() throws Exception {
        Path killed = tmp.resolve("killed");
        Path paused = tmp.resolve("child-paused");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                CacheBuildMain.class.getName(), killed.toString(), String.valueOf(CacheBuildMain.PAUSE_AT_CALL),
                paused.toString()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(paused)) {
                assertTrue(p.isAlive(), () -> "the child died before its pause point: " + output(p));
                assertTrue(System.nanoTime() < deadline, "the child did not reach its pause point within 120 s");
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        int complete = (CacheBuildMain.PAUSE_AT_CALL - 1) / CacheBuildMain.CALLS_PER_SHARD;
        for (int s = 0; s < CacheBuildMain.EXAMPLES / CacheBuildMain.PER_SHARD; s++) {
            assertEquals(s < complete, Files.exists(killed.resolve(String.format("shard-%05d.bin", s))), "shard " + s);
        }
        IllegalStateException incomplete = assertThrows(IllegalStateException.class, () -> TopKCache.open(killed));
        assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());

        List<CacheExample> examples = SyntheticTeacher.examples(CacheBuildMain.EXAMPLES, CacheBuildMain.VOCAB, 5);
        CacheFingerprint fp = CacheBuildMain.fingerprint(examples);
        SyntheticTeacher resumedTeacher = new SyntheticTeacher(CacheBuildMain.VOCAB, 0);
        TopKCacheBuilder.Result resumed = CacheBuildMain.builder(killed, resumedTeacher, manager).build(examples, fp);
        assertEquals(complete, resumed.shardsReused(), "the complete shards are kept");
        assertEquals(CacheBuildMain.EXAMPLES / CacheBuildMain.PER_SHARD - complete, resumed.shardsBuilt());
        assertEquals(resumed.shardsBuilt() * CacheBuildMain.CALLS_PER_SHARD, resumedTeacher.calls,
                "only the missing shards were computed");

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
