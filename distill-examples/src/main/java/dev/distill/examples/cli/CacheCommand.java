package dev.distill.examples.cli;

import ai.djl.ndarray.NDManager;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.DelimitedFile;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.JsonLines;
import dev.distill.core.data.Newsgroups;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.StsData;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TextLines;
import dev.distill.core.data.WordNetText;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MaskedCacheInputs;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.spark.LocalSparkCache;
import dev.distill.spark.MlmTeacherSource;
import dev.distill.spark.SparkCacheBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./distill cache}: one pass of a teacher over a corpus, keeping the top-k tokens and
 * probabilities at the masked-LM positions (as {@code ./distill mlm} uses them), then the size per
 * position against full fp32 distributions and the cost of reading a batch back against the
 * teacher's forward pass.
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Build a teacher-output cache: the teacher's top-k tokens and fp16",
                "probabilities at the masked-LM positions (15%%, 80/10/10, seeded) of a corpus,",
                "in sharded files with a fingerprint. An interrupted build resumes (completed",
                "shards are kept). Prints bytes per position, the ratio to full-vocabulary fp32",
                "storage, and the time to read a batch against the teacher's forward pass.",
                "With --hidden-layers, chosen hidden states of every token are stored too (fp16).",
                "",
                "The pretrained teachers here ship without an MLM head: the head used is tied",
                "to the teacher's word embeddings with an identity transform (not trained), so",
                "the figures are about size and speed, not about the soft targets' quality",
                "(./distill mlm fits a head and caches its predictions)."})
public final class CacheCommand implements Callable<Integer> {

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Teacher: a known model, a Hugging Face directory or an .onnx file (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--corpus", defaultValue = "wordnet", paramLabel = "<wordnet|newsgroups|file>",
            description = "wordnet (WordNet 3.1 glosses and usages), newsgroups (3-newsgroups train posts),"
                    + " or a .txt (one text per line), .jsonl (field \"text\"), .tsv/.csv (column \"text\") file"
                    + " (default: ${DEFAULT-VALUE}).")
    String corpus;

    @Option(names = "--examples", defaultValue = "2000", paramLabel = "N",
            description = "Use the first N texts of the corpus (default: ${DEFAULT-VALUE}).")
    int examples;

    @Option(names = "--k", defaultValue = "32", paramLabel = "K", description = "Tokens kept per position (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--max-length", defaultValue = "64", paramLabel = "N",
            description = "Truncate texts to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Masking seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Texts per teacher forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--examples-per-shard", defaultValue = "1024", paramLabel = "N",
            description = "Examples per shard file (default: ${DEFAULT-VALUE}).")
    int perShard;

    @Option(names = "--hidden-layers", defaultValue = "", paramLabel = "<i,j,...>",
            description = "Also store these hidden states of every token, fp16 (0 = embedding output, L = last"
                    + " layer), e.g. 0,12; a HiddenStateLoss then trains from the cache (default: none).")
    String hiddenLayers;

    @Option(names = "--out", defaultValue = "target/teacher-cache", paramLabel = "DIR",
            description = "Cache directory (default: ${DEFAULT-VALUE}); an interrupted build there is resumed.")
    Path out;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
            description = "Where the teacher runs (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--spark", paramLabel = "local[N]",
            description = "Build with Apache Spark on this machine: local[N] runs N tasks at once (one teacher per"
                    + " JVM, shared), local[N,F] retries a failed task up to F-1 times. The cache is the same, file"
                    + " for file; for a cluster use the shaded jar with spark-submit (docs/scale.md). Default: no"
                    + " Spark.")
    String spark;

    @Option(names = "--spark-partitions", defaultValue = "0", paramLabel = "N",
            description = "With --spark: tasks of the teacher stage (default: one per shard).")
    int sparkPartitions;

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "fail|skip",
            description = "What to do with a malformed record (default: ${DEFAULT-VALUE}).")
    String onError;

    @Override
    public Integer call() throws Exception {
        if (examples < 1 || k < 1 || maxLength < 3 || batchSize < 1 || perShard < 1) {
            throw new IllegalArgumentException("--examples, --k, --batch-size, --examples-per-shard must be positive"
                    + " and --max-length at least 3");
        }
        ErrorPolicy policy = ErrorPolicy.valueOf(onError.toUpperCase(Locale.ROOT));
        List<Integer> layers = parseLayers(hiddenLayers);
        if (spark != null) {
            return callSpark(policy, layers);
        }
        long t0 = System.nanoTime();
        try (LoadedModel m = ModelLoader.load(teacher, dev.distill.core.Devices.parse(device), maxLength)) {
            int vocab = m.encoder().config().vocabSize();
            int numLayers = m.encoder().config().numLayers();
            if (!layers.isEmpty() && layers.get(layers.size() - 1) > numLayers) {
                throw new IllegalArgumentException("--hidden-layers " + hiddenLayers + " names hidden state "
                        + layers.get(layers.size() - 1) + ", but " + teacher + " has " + numLayers + " layers: hidden"
                        + " states are 0 (embedding output) to " + numLayers + " (last layer)");
            }
            MlmTeacher mlm = new MlmTeacher(m.encoder(), MlmTeacher.identityHead(m.encoder(), m.manager()), false);
            Texts corpusTexts = readTexts(policy);
            List<String> texts = corpusTexts.texts();
            long dropped = corpusTexts.dropped();
            long skipped = corpusTexts.skipped();
            MaskedCacheInputs inputs = new MaskedCacheInputs(m.tokenizer(), vocab, seed);
            List<CacheExample> cacheExamples = new ArrayList<>();
            long tokens = 0;
            for (int i = 0; i < texts.size(); i++) {
                CacheExample e = inputs.example(texts.get(i), i);
                cacheExamples.add(e);
                tokens += e.inputIds().length;
            }
            System.out.printf(Locale.ROOT, "teacher: %s (%,d parameters, vocabulary %,d, %s); MLM head: identity,"
                    + " tied to the word embeddings (untrained)%n", m.source(), m.encoder().parameterCount(), vocab,
                    m.manager().getDevice());
            System.out.printf(Locale.ROOT, "corpus: %s, %,d texts, %,d tokens (max %d), %d dropped as STS test"
                    + " sentences, %d malformed skipped%n", corpus, texts.size(), tokens, maxLength, dropped, skipped);
            CacheFingerprint fp = CacheFingerprint.of(mlm.weightsHash(), MlmTeacher.tokenizerHash(m.tokenizer()),
                    cacheExamples, maxLength, k, seed).withHiddenLayers(layers);
            int hiddenDim = layers.isEmpty() ? 0 : m.encoder().config().hiddenSize();
            ProgressBar bar = new ProgressBar(System.err, "examples");
            long buildStart = System.nanoTime();
            TopKCacheBuilder.Result r = TopKCacheBuilder.builder(out, mlm, m.manager(), vocab)
                    .optBatchSize(batchSize).optExamplesPerShard(perShard).optHiddenDim(hiddenDim)
                    .optPadId(m.encoder().config().padTokenId())
                    .optProgress((done, total, positions) -> bar.update(done, total, String.format(Locale.ROOT,
                            "%,d positions", positions)))
                    .build().build(cacheExamples, fp);
            double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
            report(r, vocab, buildSeconds, tokens, layers, hiddenDim);
            benchmark(fp, cacheExamples, mlm, m);
        }
        System.out.printf(Locale.ROOT, "total %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The corpus's first texts, minus malformed records and STS test sentences. */
    record Texts(List<String> texts, long dropped, long skipped) {}

    private Texts readTexts(ErrorPolicy policy) {
        // Texts, minus any equal to an STS test sentence (kept out of training, docs/data-sources.md).
        Set<String> sts = new HashSet<>();
        for (StsData.Subset s : StsData.semEvalTest()) {
            for (StsData.Pair p : s.pairs()) {
                sts.add(StsData.normalize(p.first()));
                sts.add(StsData.normalize(p.second()));
            }
        }
        List<String> texts = new ArrayList<>();
        long dropped = 0;
        try (RecordStream<TextExample> s = open(policy)) {
            while (texts.size() < examples && s.hasNext()) {
                String t = s.next().text();
                if (sts.contains(StsData.normalize(t))) {
                    dropped++;
                } else {
                    texts.add(t);
                }
            }
            s.skippedReasons().forEach(r -> System.err.println("skipped " + r));
            return new Texts(texts, dropped, s.skipped());
        }
    }

    /**
     * The same cache built by Spark on this machine: the driver reads the texts as above, the
     * executors (task threads of this JVM) load the teacher once, tokenise, mask and run it.
     */
    private Integer callSpark(ErrorPolicy policy, List<Integer> layers) throws Exception {
        LocalSparkCache.taskSlots(spark); // refuses a non-local master before any work
        LocalSparkCache.shareCores(spark);
        long t0 = System.nanoTime();
        Texts t = readTexts(policy);
        System.out.printf(Locale.ROOT, "corpus: %s, %,d texts, %d dropped as STS test sentences, %d malformed"
                + " skipped%n", corpus, t.texts().size(), t.dropped(), t.skipped());
        long b0 = System.nanoTime();
        SparkCacheBuilder.Result r = LocalSparkCache.build(spark, t.texts(), out,
                new MlmTeacherSource(teacher, maxLength, seed, device), k, layers, perShard, batchSize,
                sparkPartitions);
        double seconds = (System.nanoTime() - b0) / 1e9;
        System.out.printf(Locale.ROOT, "cache: %s, %,d examples, %,d tokens, %,d positions, %,d bytes (%d shards built,"
                + " %d reused; Spark %s, PyTorch threads per task %s)%n", out.toAbsolutePath(), r.examples(), r.tokens(),
                r.positions(), r.bytes(), r.shardsBuilt(), r.shardsReused(), spark,
                System.getProperty("ai.djl.pytorch.num_threads"));
        if (r.shardsBuilt() > 0) {
            double share = (double) r.shardsBuilt() / (r.shardsBuilt() + r.shardsReused());
            System.out.printf(Locale.ROOT, "build: %.1f s, %.0f tokens/s, %.0f positions/s through the teacher (teacher"
                    + " stage alone; %.1f s in all with the Spark session, teacher load, tokenisation and data hash)%n",
                    r.teacherSeconds(), r.tokens() * share / r.teacherSeconds(),
                    r.positions() * share / r.teacherSeconds(), seconds);
        }
        System.out.printf(Locale.ROOT, "total %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private RecordStream<TextExample> open(ErrorPolicy policy) {
        switch (corpus.toLowerCase(Locale.ROOT)) {
            case "wordnet":
                return WordNetText.open(WordNetText.Kind.BOTH, policy);
            case "newsgroups":
                return Newsgroups.train(policy);
            default:
                Path f = Path.of(corpus);
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".jsonl")) {
                    return JsonLines.open(f, "text", null, null, policy);
                }
                if (n.endsWith(".tsv") || n.endsWith(".csv") || n.endsWith(".tab")) {
                    return DelimitedFile.open(f, DelimitedFile.separatorFor(f), "text", null, null, policy);
                }
                if (!java.nio.file.Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("--corpus '" + corpus + "' is neither wordnet, newsgroups nor"
                            + " an existing file");
                }
                return TextLines.open(f, policy);
        }
    }

    /** "0,12" as [0, 12]; empty for none. */
    static List<Integer> parseLayers(String spec) {
        List<Integer> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            int v;
            try {
                v = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--hidden-layers '" + spec + "': '" + part.trim() + "' is not a"
                        + " number; give ascending hidden-state indices such as 0,12");
            }
            if (v < 0 || (!out.isEmpty() && v <= out.get(out.size() - 1))) {
                throw new IllegalArgumentException("--hidden-layers '" + spec + "' must be ascending indices >= 0"
                        + " without repeats (0 = embedding output, L = last layer), such as 0,12");
            }
            out.add(v);
        }
        return out;
    }

    private void report(TopKCacheBuilder.Result r, int vocab, double seconds, long tokens, List<Integer> layers,
            int hiddenDim) {
        double perPosition = r.bytesPerPosition();
        double full = 4.0 * vocab;
        System.out.printf(Locale.ROOT, "cache: %s, %,d examples, %,d positions, %,d bytes (%d shards built, %d"
                + " reused)%n", out.toAbsolutePath(), r.examples(), r.positions(), r.bytes(), r.shardsBuilt(),
                r.shardsReused());
        if (layers.isEmpty()) {
            System.out.printf(Locale.ROOT, "size per position: %.1f bytes (k = %d: %.2f bytes per kept entry, all"
                    + " headers included; record alone 2 + %d x 4 = %d)%n", perPosition, k, perPosition / k, k,
                    2 + 4 * k);
        } else {
            long hiddenBytes = 2L * layers.size() * hiddenDim * tokens;
            System.out.printf(Locale.ROOT, "size per position: %,.1f bytes, hidden states included (top-%d record"
                    + " alone 2 + %d x 4 = %d)%n", perPosition, k, k, 2 + 4 * k);
            System.out.printf(Locale.ROOT, "hidden states %s: %d x %d x 2 = %,d bytes per token, %,d tokens: %,d bytes"
                    + " (%,.1f per kept position, %.0f%% of the cache)%n", layers, layers.size(), hiddenDim,
                    2L * layers.size() * hiddenDim, tokens, hiddenBytes, (double) hiddenBytes / r.positions(),
                    100.0 * hiddenBytes / r.bytes());
        }
        System.out.printf(Locale.ROOT, "full-vocabulary fp32 storage: %,.0f bytes per position; ratio %.0f : 1%n",
                full, full / perPosition);
        if (r.shardsBuilt() > 0) {
            double share = (double) r.shardsBuilt() / (r.shardsBuilt() + r.shardsReused());
            System.out.printf(Locale.ROOT, "build: %.1f s, %.0f tokens/s, %.0f positions/s through the teacher%n",
                    seconds, tokens * share / seconds, r.positions() * share / seconds);
        }
    }

    /** Time to read a batch from the cache against the time of the teacher forward it replaces. */
    private void benchmark(CacheFingerprint fp, List<CacheExample> examples, MlmTeacher mlm, LoadedModel m)
            throws Exception {
        TopKCache cache = TopKCache.open(out, fp);
        SplittableRandom r = new SplittableRandom(1);
        int b = Math.min(batchSize, examples.size());
        int rounds = 20;
        long readNanos = 0;
        long teacherNanos = 0;
        int teacherRounds = 3;
        for (int round = 0; round < rounds; round++) {
            long[] rows = new long[b];
            int t = 0;
            for (int i = 0; i < b; i++) {
                rows[i] = r.nextInt(examples.size());
                t = Math.max(t, examples.get((int) rows[i]).inputIds().length);
            }
            try (NDManager sub = m.manager().newSubManager()) {
                long s0 = System.nanoTime();
                TopKCache.Batch batch = cache.batch(rows, t, sub);
                batch.probs().toFloatArray(); // force it onto the device and back: no lazy work left
                if (!cache.hiddenLayers().isEmpty()) {
                    for (ai.djl.ndarray.NDArray h : cache.hiddenStates(rows, t, sub)) {
                        h.sum().getFloat();
                    }
                }
                readNanos += System.nanoTime() - s0;
                if (round < teacherRounds) {
                    List<CacheExample> ex = new ArrayList<>();
                    for (long row : rows) {
                        ex.add(examples.get((int) row));
                    }
                    long s1 = System.nanoTime();
                    int[][] pos = ex.stream().map(CacheExample::positions).toArray(int[][]::new);
                    mlm.run(pad(ex, t, sub), pos).positionLogits().softmax(1).topK(k, 1).get(0).toFloatArray();
                    teacherNanos += System.nanoTime() - s1;
                }
            }
        }
        double readMs = readNanos / 1e6 / rounds;
        double teacherMs = teacherNanos / 1e6 / teacherRounds;
        System.out.printf(Locale.ROOT, "read a batch of %d from the cache%s: %.2f ms; the teacher forward + top-k it"
                + " replaces: %.1f ms (%.0fx)%n", b, cache.hiddenLayers().isEmpty() ? "" : " (top-k and hidden states "
                + cache.hiddenLayers() + ")", readMs, teacherMs, teacherMs / readMs);
    }

    private static dev.distill.core.data.TokenBatch pad(List<CacheExample> ex, int t, NDManager m) {
        int b = ex.size();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        for (int i = 0; i < b; i++) {
            long[] x = ex.get(i).inputIds();
            System.arraycopy(x, 0, ids, i * t, x.length);
            System.arraycopy(ex.get(i).typeIds(), 0, types, i * t, x.length);
            java.util.Arrays.fill(mask, i * t, i * t + x.length, 1L);
        }
        ai.djl.ndarray.types.Shape s = new ai.djl.ndarray.types.Shape(b, t);
        return new dev.distill.core.data.TokenBatch(m.create(ids, s), m.create(mask, s), m.create(types, s), null, 0);
    }
}
