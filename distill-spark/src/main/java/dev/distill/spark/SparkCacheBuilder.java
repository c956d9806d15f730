package dev.distill.spark;

import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.CachePlan;
import dev.distill.core.cache.ComputedShard;
import dev.distill.core.cache.TopKCacheBuilder;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Builds the teacher-output cache of {@code TopKCacheBuilder} with Apache Spark. The result is
 * the same directory, file for file, as the single-process builder's for the same texts: the same
 * {@code cache.json} (fingerprint of teacher weights, tokenizer, data, maximum length, k, masking
 * seed and hidden layers), the same shards, read by {@code TopKCache} and the trainer unchanged.
 *
 * <ol>
 *   <li>Example ids: each text's position in the input ({@code zipWithIndex}), so ids, masks and
 *       shard membership do not depend on how the input is partitioned.
 *   <li>Tokenise and mask on the executors with the JVM's teacher ({@link ExecutorTeachers}: loaded
 *       once per executor, shared by its tasks); the examples are persisted.
 *   <li>The driver streams them in id order once to compute the fingerprint's data hash (SHA-256
 *       is sequential: this pass moves the token ids, ~16 bytes per token, through the driver),
 *       then writes {@code cache.json} with {@code complete: false} ({@link CachePlan#begin()}).
 *   <li>Executors check which shards are already complete (a rerun skips them), and the examples
 *       of the others are shuffled by shard ({@link ShardPartitioner}). Each task computes its
 *       shards with {@link TopKCacheBuilder#computeShard} and commits each one atomically (a
 *       temporary file, fsync, rename to the shard's fixed name): a killed, retried or speculative
 *       attempt leaves either no file or one complete shard, never a torn or a duplicate one, and a
 *       retry skips shards its failed attempt already committed.
 *   <li>The driver checks every shard (structure, header, CRC-32), deletes stray temporaries and
 *       writes the complete {@code cache.json} ({@link CachePlan#finishFromShards()}).
 * </ol>
 *
 * <p>The cache directory must be one file system that the driver and every executor see at the
 * same path (local disk in {@code local[N]}, NFS or another shared POSIX mount on a cluster):
 * shards are memory-mapped by readers and committed by rename.
 */
public final class SparkCacheBuilder {

    /**
     * What happened to one shard in the task that handled it.
     *
     * @param built true if this task computed and wrote it, false if it was already complete
     * @param attempt the task attempt that reported it (0 = first)
     * @param executor the executor's id ("driver" in local mode)
     */
    public record ShardOutcome(int shard, boolean built, long positions, long bytes, int attempt, String executor)
            implements Serializable {}

    /**
     * What a build did.
     *
     * @param tokens real tokens over all examples
     * @param outcomes the shards handled by this run's tasks (not those found complete up front)
     * @param teacherSeconds wall time of the teacher stage alone (shuffle by shard, forward passes,
     *     shard writes), the part comparable with the single-process builder's {@code build}
     */
    public record Result(CacheFingerprint fingerprint, long examples, long tokens, long positions, long bytes,
            int shardsReused, int shardsBuilt, List<ShardOutcome> outcomes, double teacherSeconds) {}

    private final JavaSparkContext jsc;
    private final Path dir;
    private final TeacherSource source;
    private final int k;
    private final List<Integer> hiddenLayers;
    private final int examplesPerShard;
    private final int batchSize;
    private final int partitions;
    private final FaultInjector faults;

    private SparkCacheBuilder(Builder b) {
        jsc = b.jsc;
        dir = b.dir;
        source = b.source;
        k = b.k;
        hiddenLayers = b.hiddenLayers;
        examplesPerShard = b.examplesPerShard;
        batchSize = b.batchSize;
        partitions = b.partitions;
        faults = b.faults;
    }

    /**
     * @param jsc the Spark context (local or cluster)
     * @param dir the cache directory, on a file system every executor sees at this path
     * @param source how executors load the teacher
     */
    public static Builder builder(JavaSparkContext jsc, Path dir, TeacherSource source) {
        return new Builder(jsc, dir, source);
    }

    /** Builds (or finishes) the cache of the texts of a {@code Dataset<String>}, in its row order. */
    public Result build(Dataset<String> texts) throws IOException {
        return build(texts.javaRDD());
    }

    /** Builds (or finishes) the cache of {@code texts}; a text's id is its position in the RDD. */
    public Result build(JavaRDD<String> texts) throws IOException {
        TeacherSource src = source;
        TeacherInfo info = jsc.parallelize(List.of(0), 1).map(x -> ExecutorTeachers.get(src).info()).first();
        if (!hiddenLayers.isEmpty() && hiddenLayers.get(hiddenLayers.size() - 1) > info.numLayers()) {
            throw new IllegalArgumentException("hidden layers " + hiddenLayers + " name hidden state "
                    + hiddenLayers.get(hiddenLayers.size() - 1) + ", but the teacher has " + info.numLayers()
                    + " layers: hidden states are 0 (embedding output) to " + info.numLayers() + " (last layer)");
        }
        JavaRDD<IndexedExample> examples = texts.zipWithIndex().mapPartitions(it -> examplesOf(it, src))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return build(examples, info);
        } finally {
            examples.unpersist(false);
        }
    }

    /** Texts with their ids to examples, with this JVM's teacher (static: the closure holds no builder). */
    private static Iterator<IndexedExample> examplesOf(Iterator<Tuple2<String, Long>> it, TeacherSource source) {
        OpenedTeacher t = ExecutorTeachers.get(source);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public IndexedExample next() {
                Tuple2<String, Long> e = it.next();
                return new IndexedExample(e._2(), t.example(e._1(), e._2()));
            }
        };
    }

    private Result build(JavaRDD<IndexedExample> examples, TeacherInfo info) throws IOException {
        InOrder ordered = new InOrder(examples.toLocalIterator(), info.maxLength());
        String dataHash = CacheFingerprint.dataHash(ordered);
        if (ordered.count == 0) {
            throw new IllegalArgumentException("no texts to cache: the input is empty");
        }
        CacheFingerprint fp = new CacheFingerprint(info.weightsHash(), info.tokenizerHash(), dataHash,
                info.maxLength(), k, info.maskingSeed(), hiddenLayers);
        CachePlan plan = CachePlan.of(dir, fp, ordered.count, examplesPerShard, info.vocabSize(), 0,
                hiddenLayers.isEmpty() ? 0 : info.hiddenSize());
        plan.begin();

        int numShards = plan.numShards();
        List<Integer> all = IntStream.range(0, numShards).boxed().toList();
        int checkSlices = Math.max(1, Math.min(numShards, jsc.defaultParallelism() * 4));
        List<Integer> todo = new ArrayList<>(jsc.parallelize(all, checkSlices)
                .filter(s -> plan.completeShard(s) == null).collect());
        Collections.sort(todo);
        List<ShardOutcome> outcomes = List.of();
        long t0 = System.nanoTime();
        if (!todo.isEmpty()) {
            int[] todoShards = todo.stream().mapToInt(Integer::intValue).toArray();
            Set<Integer> todoSet = new HashSet<>(todo);
            ShardPartitioner by = new ShardPartitioner(examplesPerShard, todoShards,
                    partitions > 0 ? partitions : todoShards.length);
            TeacherSource src = source;
            int perBatch = batchSize;
            FaultInjector inject = faults;
            outcomes = examples.filter(e -> todoSet.contains(plan.shardOf(e.index)))
                    .mapToPair(e -> new Tuple2<>(e.index, e))
                    .repartitionAndSortWithinPartitions(by)
                    .mapPartitions(it -> buildShards(it, plan, src, perBatch, inject).iterator())
                    .collect();
        }
        double teacherSeconds = (System.nanoTime() - t0) / 1e9;
        CachePlan.Totals totals = plan.finishFromShards();
        int built = (int) outcomes.stream().filter(ShardOutcome::built).count();
        return new Result(fp, ordered.count, ordered.tokens, totals.positions(), totals.bytes(), numShards - built,
                built, outcomes, teacherSeconds);
    }

    /** One task: its examples sorted by id, cut at shard boundaries, each shard built and committed. */
    private static List<ShardOutcome> buildShards(Iterator<Tuple2<Long, IndexedExample>> it, CachePlan plan,
            TeacherSource source, int batchSize, FaultInjector faults) throws IOException {
        OpenedTeacher t = ExecutorTeachers.get(source);
        TeacherInfo info = t.info();
        TopKCacheBuilder builder = TopKCacheBuilder.builder(plan.directory(), t.teacher(), t.manager(),
                info.vocabSize()).optBatchSize(batchSize).optHiddenDim(plan.hiddenDim()).optPadId(info.padId())
                .build();
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        List<ShardOutcome> out = new ArrayList<>();
        List<CacheExample> current = new ArrayList<>();
        int shard = -1;
        while (it.hasNext()) {
            IndexedExample e = it.next()._2();
            int s = plan.shardOf(e.index);
            if (s != shard && shard >= 0) {
                out.add(buildShard(builder, plan, shard, current, attempt, executor, faults));
                current.clear();
            }
            shard = s;
            current.add(e.toCacheExample());
        }
        if (shard >= 0) {
            out.add(buildShard(builder, plan, shard, current, attempt, executor, faults));
        }
        return out;
    }

    private static ShardOutcome buildShard(TopKCacheBuilder builder, CachePlan plan, int shard,
            List<CacheExample> examples, int attempt, String executor, FaultInjector faults) throws IOException {
        if (examples.size() != plan.shardSize(shard)) {
            throw new IllegalStateException("shard " + shard + " received " + examples.size() + " examples but holds "
                    + plan.shardSize(shard) + ": example ids are not the consecutive positions of the input");
        }
        CachePlan.ShardStats done = plan.completeShard(shard); // e.g. committed by a failed earlier attempt
        if (done != null) {
            return new ShardOutcome(shard, false, done.positions(), done.bytes(), attempt, executor);
        }
        ComputedShard c = builder.computeShard(plan, shard, examples);
        if (faults != null) {
            faults.beforeCommit(shard, attempt, c);
        }
        long bytes = c.commit();
        return new ShardOutcome(shard, true, c.positions(), bytes, attempt, executor);
    }

    /**
     * The persisted examples streamed to the driver in id order, checked (ids consecutive from 0,
     * lengths within the maximum), counting examples and tokens; iterable once.
     */
    private static final class InOrder implements Iterable<CacheExample> {
        private final Iterator<IndexedExample> it;
        private final int maxLength;
        long count;
        long tokens;

        InOrder(Iterator<IndexedExample> it, int maxLength) {
            this.it = it;
            this.maxLength = maxLength;
        }

        @Override
        public Iterator<CacheExample> iterator() {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public CacheExample next() {
                    if (!it.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    IndexedExample e = it.next();
                    if (e.index != count) {
                        throw new IllegalStateException("example id " + e.index + " arrived where " + count
                                + " was expected: the input's order is not stable");
                    }
                    if (e.inputIds.length > maxLength) {
                        throw new IllegalArgumentException("example " + e.index + " has " + e.inputIds.length
                                + " tokens, more than the maximum length " + maxLength);
                    }
                    count++;
                    tokens += e.inputIds.length;
                    return e.toCacheExample();
                }
            };
        }
    }

    /** Configures a {@link SparkCacheBuilder}. */
    public static final class Builder {
        private final JavaSparkContext jsc;
        private final Path dir;
        private final TeacherSource source;
        private int k = 32;
        private List<Integer> hiddenLayers = List.of();
        private int examplesPerShard = 1024;
        private int batchSize = 32;
        private int partitions;
        private FaultInjector faults;

        private Builder(JavaSparkContext jsc, Path dir, TeacherSource source) {
            this.jsc = Objects.requireNonNull(jsc, "jsc");
            this.dir = Objects.requireNonNull(dir, "dir");
            this.source = Objects.requireNonNull(source, "source");
        }

        /** Tokens kept per position (default 32). */
        public Builder optK(int k) {
            this.k = k;
            return this;
        }

        /** Hidden states stored per token (0 = embedding output, L = last layer), ascending; default none. */
        public Builder optHiddenLayers(List<Integer> layers) {
            this.hiddenLayers = List.copyOf(layers);
            return this;
        }

        /** Examples per shard file (default 1024, as {@code ./distill cache}). */
        public Builder optExamplesPerShard(int n) {
            this.examplesPerShard = n;
            return this;
        }

        /** Examples per teacher forward pass (default 32). */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Tasks of the teacher stage (default 0: one per shard to build); each holds whole shards. */
        public Builder optPartitions(int n) {
            this.partitions = n;
            return this;
        }

        /** A test hook run before each shard commit ({@link FaultInjector}). */
        public Builder optFaultInjector(FaultInjector f) {
            this.faults = f;
            return this;
        }

        /** Checks the settings (positive sizes, ascending hidden layers) and makes the builder. */
        public SparkCacheBuilder build() {
            if (k < 1 || examplesPerShard < 1 || batchSize < 1 || partitions < 0) {
                throw new IllegalArgumentException("k (" + k + "), examples per shard (" + examplesPerShard
                        + ") and batch size (" + batchSize + ") must be positive, partitions (" + partitions
                        + ") not negative");
            }
            new CacheFingerprint("-", "-", "-", 3, k, 0, hiddenLayers); // checks the layer list
            return new SparkCacheBuilder(this);
        }
    }
}
