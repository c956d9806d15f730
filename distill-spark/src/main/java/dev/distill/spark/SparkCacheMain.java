package dev.distill.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The shaded jar's entry point for {@code spark-submit}: builds a teacher-output cache of text
 * files (one text per line) on whatever master spark-submit names. Inputs are expanded on the
 * driver (a folder to its files, sorted by name) so that an example's id, its position in the
 * concatenated files, does not depend on the listing order or the splits. See docs/scale.md.
 *
 * <pre>
 * spark-submit --class dev.distill.spark.SparkCacheMain distill-spark-…-spark-app.jar \
 *   --teacher /shared/bge-small --input hdfs:///corpus/ --out /shared/cache [--k 32] …
 * </pre>
 */
public final class SparkCacheMain {

    private SparkCacheMain() {}

    /** Runs the build; every option is {@code --name value}. */
    public static void main(String[] args) throws IOException {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("distill spark cache: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("distill-cache").getOrCreate();
        try (JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext())) {
            String inputs = String.join(",", expand(o.input, jsc.hadoopConfiguration()));
            long t0 = System.nanoTime();
            SparkCacheBuilder.Result r = SparkCacheBuilder.builder(jsc, Path.of(o.out),
                    new MlmTeacherSource(o.teacher, o.maxLength, o.seed, o.device)).optK(o.k)
                    .optHiddenLayers(o.hiddenLayers).optExamplesPerShard(o.perShard).optBatchSize(o.batchSize)
                    .optPartitions(o.partitions).build().build(jsc.textFile(inputs));
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "cache: %s, %,d examples, %,d tokens, %,d positions, %,d bytes (%d shards"
                    + " built, %d reused) in %.1f s%n", o.out, r.examples(), r.tokens(), r.positions(), r.bytes(),
                    r.shardsBuilt(), r.shardsReused(), s);
        }
    }

    /** Each input: a file as is, a folder as its visible files sorted by name, a glob as sorted matches. */
    static List<String> expand(String spec, Configuration conf) throws IOException {
        List<String> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(part.trim());
            FileSystem fs = p.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("--input " + part + ": no such file or folder");
            }
            Arrays.sort(matches);
            for (FileStatus m : matches) {
                if (m.isDirectory()) {
                    FileStatus[] files = fs.listStatus(m.getPath(), f -> !f.getName().startsWith(".")
                            && !f.getName().startsWith("_"));
                    Arrays.sort(files);
                    for (FileStatus f : files) {
                        if (f.isFile()) {
                            out.add(f.getPath().toString());
                        }
                    }
                } else {
                    out.add(m.getPath().toString());
                }
            }
        }
        return out;
    }

    /** The command line. */
    static final class Options {
        static final String USAGE = "usage: SparkCacheMain --teacher <name|dir|onnx> --input <files|folders|globs,…>"
                + " --out <shared dir> [--k 32] [--max-length 64] [--seed 42] [--batch-size 32]"
                + " [--examples-per-shard 1024] [--hidden-layers i,j] [--device auto|cpu|gpu] [--partitions 0]";
        String teacher;
        String input;
        String out;
        int k = 32;
        int maxLength = 64;
        long seed = 42;
        int batchSize = 32;
        int perShard = 1024;
        List<Integer> hiddenLayers = List.of();
        String device = "auto";
        int partitions;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " has no value");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--teacher" -> o.teacher = v;
                    case "--input" -> o.input = v;
                    case "--out" -> o.out = v;
                    case "--k" -> o.k = number(args[i], v);
                    case "--max-length" -> o.maxLength = number(args[i], v);
                    case "--seed" -> o.seed = number(args[i], v);
                    case "--batch-size" -> o.batchSize = number(args[i], v);
                    case "--examples-per-shard" -> o.perShard = number(args[i], v);
                    case "--hidden-layers" -> o.hiddenLayers = layers(v);
                    case "--device" -> o.device = v;
                    case "--partitions" -> o.partitions = number(args[i], v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (o.teacher == null || o.input == null || o.out == null) {
                throw new IllegalArgumentException("--teacher, --input and --out are required");
            }
            return o;
        }

        private static int number(String name, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " '" + v + "' is not a whole number");
            }
        }

        private static List<Integer> layers(String v) {
            List<Integer> out = new ArrayList<>();
            for (String p : v.split(",")) {
                if (!p.isBlank()) {
                    out.add(number("--hidden-layers", p.trim()));
                }
            }
            return out;
        }
    }
}
