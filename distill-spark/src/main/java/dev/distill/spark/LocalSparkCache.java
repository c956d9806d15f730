package dev.distill.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ./distill cache --spark local[N]}: a Spark session inside this JVM, the texts handed over
 * from the driver (so ids are their positions in the list, exactly as in the single-process
 * build), the cache built by {@link SparkCacheBuilder}, the session and the teachers closed. The
 * signatures hold no Spark type, so a caller compiles without Spark on its class path.
 */
public final class LocalSparkCache {

    private LocalSparkCache() {}

    /**
     * PyTorch intra-op threads per task for {@code master}: the machine's cores shared among the
     * task slots, so {@code local[2]} on 2 cores runs two 1-thread forward passes instead of two
     * 2-thread ones fighting for the cores. Applied only before the engine starts and only when
     * {@code ai.djl.pytorch.num_threads} is not set already.
     */
    public static void shareCores(String master) {
        int slots = taskSlots(master);
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / slots);
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
    }

    /** Task slots of a local master: local → 1, local[N] or local[N,F] → N, local[*] → cores. */
    public static int taskSlots(String master) {
        String m = master.trim().toLowerCase(Locale.ROOT);
        if (m.equals("local")) {
            return 1;
        }
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\d+)?]").matcher(m);
        if (!x.matches()) {
            throw new IllegalArgumentException("--spark '" + master + "' is not a local master: use local[N] (N task"
                    + " threads), local[N,F] (F attempts per task) or local[*]; for a cluster use spark-submit with"
                    + " the shaded jar (docs/scale.md)");
        }
        int n = x.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(x.group(1));
        if (n < 1) {
            throw new IllegalArgumentException("--spark '" + master + "' asks for " + n + " task threads; use at"
                    + " least 1");
        }
        return n;
    }

    /**
     * Builds the cache of {@code texts} on a local Spark master.
     *
     * @param master local, local[N], local[N,F] or local[*]
     * @param partitions tasks of the teacher stage (0: one per shard)
     */
    public static SparkCacheBuilder.Result build(String master, List<String> texts, Path dir, TeacherSource source,
            int k, List<Integer> hiddenLayers, int examplesPerShard, int batchSize, int partitions)
            throws IOException {
        int slots = taskSlots(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName("distill-cache")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.sql.shuffle.partitions", Integer.toString(Math.max(1, slots)));
        try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext())) {
            jsc.setLogLevel("WARN");
            return SparkCacheBuilder.builder(jsc, dir, source).optK(k).optHiddenLayers(hiddenLayers)
                    .optExamplesPerShard(examplesPerShard).optBatchSize(batchSize).optPartitions(partitions).build()
                    .build(jsc.parallelize(texts, Math.max(1, slots)));
        } finally {
            ExecutorTeachers.closeAll();
        }
    }
}
