package dev.distill.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.ComputedShard;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.WordNetText;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark build against the single-process one on real inputs: the first {@link #TEXTS} WordNet
 * 3.1 glosses through all-MiniLM-L6-v2 (with the identity MLM head, as {@code ./distill cache}),
 * top-8 at the masked positions plus the last hidden state at every token. The reference is built
 * the way {@code ./distill mlm} builds its cache ({@link MaskedSet} examples, {@link
 * TopKCacheBuilder#build}) by a teacher this test loads itself; the Spark build makes its examples
 * on the executors from the texts alone.
 */
class SparkCacheBuilderTest {

    static final int TEXTS = 2000;
    static final int MAX_LENGTH = 32;
    static final long SEED = 7;
    static final int K = 8;
    static final int PER_SHARD = 250;
    static final List<Integer> LAYERS = List.of(6);
    static final MlmTeacherSource SOURCE = new MlmTeacherSource("all-MiniLM-L6-v2", MAX_LENGTH, SEED, "cpu");

    @TempDir
    static Path tmp;

    static List<String> texts;
    static Path reference;
    static CacheFingerprint referenceFp;

    @BeforeAll
    static void referenceBuild() throws IOException {
        texts = new ArrayList<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            while (texts.size() < TEXTS && s.hasNext()) {
                texts.add(s.next().text());
            }
        }
        reference = tmp.resolve("reference");
        long t0 = System.nanoTime();
        try (LoadedModel m = ModelLoader.load("all-MiniLM-L6-v2", Device.cpu(), MAX_LENGTH)) {
            int vocab = m.encoder().config().vocabSize();
            MaskedSet set = MaskedSet.fromTexts(texts, TextPipeline.unlabelled(m.tokenizer()),
                    MlmMasker.builder(m.tokenizer().tokenId("[MASK]"), vocab).optSeed(SEED).build(), 0, 32);
            List<CacheExample> examples = set.cacheExamples();
            MlmTeacher mlm = new MlmTeacher(m.encoder(), MlmTeacher.identityHead(m.encoder(), m.manager()), false);
            referenceFp = CacheFingerprint.of(mlm.weightsHash(), MlmTeacher.tokenizerHash(m.tokenizer()), examples,
                    MAX_LENGTH, K, SEED).withHiddenLayers(LAYERS);
            TopKCacheBuilder.builder(reference, mlm, m.manager(), vocab).optExamplesPerShard(PER_SHARD)
                    .optHiddenDim(m.encoder().config().hiddenSize()).optPadId(m.encoder().config().padTokenId())
                    .build().build(examples, referenceFp);
        }
        System.out.printf("reference (single process, model load included): %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void closeTeachers() {
        ExecutorTeachers.closeAll();
    }

    static JavaSparkContext start(String master) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("distill-cache-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return JavaSparkContext.fromSparkContext(SparkSession.builder().config(conf).getOrCreate().sparkContext());
    }

    @Test
    void local2BuildEqualsTheSingleProcessBuilderRecordByRecord() throws IOException {
        Path out = tmp.resolve("spark");
        SparkCacheBuilder.Result r;
        long t0 = System.nanoTime();
        try (JavaSparkContext jsc = start("local[2]")) {
            // 5 input partitions, 8 shards, 3 teacher tasks: neither lines up with the other
            r = SparkCacheBuilder.builder(jsc, out, SOURCE).optK(K).optHiddenLayers(LAYERS)
                    .optExamplesPerShard(PER_SHARD).optPartitions(3).build().build(jsc.parallelize(texts, 5));
        }
        System.out.printf("local[2] build (session start included): %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(referenceFp, r.fingerprint());
        assertEquals(8, r.shardsBuilt());
        assertEquals(0, r.shardsReused());
        assertEquals(1, ExecutorTeachers.loads(SOURCE.key()), "one teacher load in this JVM for every task");
        assertSameCache(reference, out);
    }

    @Test
    void aTaskKilledMidWriteIsRetriedAndARerunSkipsCompleteShards() throws IOException {
        Path out = tmp.resolve("rerun");
        Files.createDirectories(out);
        try (Stream<Path> files = Files.list(reference)) {
            for (Path f : files.toList()) {
                Files.copy(f, out.resolve(f.getFileName()));
            }
        }
        // An interrupted earlier run: shard 1 missing, shard 3 torn (half written under its name),
        // shard 5 damaged (one byte flipped), and the manifest still incomplete.
        Files.delete(out.resolve("shard-00001.bin"));
        byte[] three = Files.readAllBytes(out.resolve("shard-00003.bin"));
        Files.write(out.resolve("shard-00003.bin"), Arrays.copyOf(three, three.length / 2));
        byte[] five = Files.readAllBytes(out.resolve("shard-00005.bin"));
        five[five.length / 2] ^= 1;
        Files.write(out.resolve("shard-00005.bin"), five);
        Files.writeString(out.resolve("cache.json"), Files.readString(out.resolve("cache.json"))
                .replace("\"complete\": true", "\"complete\": false"));

        SparkCacheBuilder.Result r;
        try (JavaSparkContext jsc = start("local[2,2]")) {
            r = SparkCacheBuilder.builder(jsc, out, SOURCE).optK(K).optHiddenLayers(LAYERS)
                    .optExamplesPerShard(PER_SHARD).optFaultInjector(new KillFirstAttempt(1)).build()
                    .build(jsc.parallelize(texts, 4));
        }
        assertEquals(3, r.shardsBuilt(), "shards 1, 3 and 5 rebuilt: " + r.outcomes());
        assertEquals(5, r.shardsReused());
        SparkCacheBuilder.ShardOutcome one = r.outcomes().stream().filter(o -> o.shard() == 1).findFirst()
                .orElseThrow();
        assertEquals(1, one.attempt(), "shard 1 was committed by the retry: " + one);
        assertTrue(one.built());
        assertSameCache(reference, out);
        try (DirectoryStream<Path> stray = Files.newDirectoryStream(out, ".*")) {
            assertTrue(!stray.iterator().hasNext(), "no temporary file is left behind");
        }
    }

    /**
     * The first attempt at {@code shard} dies mid-write: it leaves half the shard under its final
     * name (what a non-atomic write would) and a partial temporary file (what a kill -9 during the
     * atomic write leaves), then fails. Later attempts commit normally.
     */
    record KillFirstAttempt(int shard) implements FaultInjector {
        @Override
        public void beforeCommit(int s, int attempt, ComputedShard computed) throws IOException {
            if (s == shard && attempt == 0) {
                byte[] bytes = computed.toBytes();
                Files.write(computed.file(), Arrays.copyOf(bytes, bytes.length / 2));
                Path dir = computed.file().getParent();
                Files.write(dir.resolve("." + computed.file().getFileName() + ".tmp-killed"),
                        Arrays.copyOf(bytes, bytes.length / 3));
                throw new IOException("injected: task attempt 0 killed while writing shard " + s);
            }
        }
    }

    /** Same manifest, same shard files, and (to name the first difference) every record equal. */
    static void assertSameCache(Path expected, Path actual) throws IOException {
        assertEquals(Files.readString(expected.resolve("cache.json")), Files.readString(actual.resolve("cache.json")));
        TopKCache a = TopKCache.open(expected, referenceFp);
        TopKCache b = TopKCache.open(actual, referenceFp);
        assertEquals(TEXTS, b.numExamples());
        {
            for (int i = 0; i < TEXTS; i++) {
                TopKCache.Entry x = a.example(i);
                TopKCache.Entry y = b.example(i);
                assertArrayEquals(x.positions(), y.positions(), "example " + i);
                assertArrayEquals(x.ids(), y.ids(), "example " + i);
                assertArrayEquals(x.probs(), y.probs(), "example " + i);
                assertEquals(a.tokens(i), b.tokens(i), "example " + i);
                assertArrayEquals(a.hidden(i, 6), b.hidden(i, 6), "hidden states of example " + i);
            }
        }
        for (int s = 0; s < 8; s++) {
            String name = String.format("shard-%05d.bin", s);
            assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)),
                    name);
        }
    }
}
