package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.examples.CliRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./distill cache --spark local[2]} writes the same files as {@code ./distill cache}. */
class CacheCommandSparkTest {

    @TempDir
    Path tmp;

    private static String run(String... args) {
        return CliRuns.runOk(args);
    }

    @Test
    void sparkLocal2WritesTheSingleProcessCache() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("Sentence " + i + " describes a hockey game played in winter by team " + (i % 7) + ".");
        }
        Path corpus = tmp.resolve("corpus.txt");
        Files.write(corpus, lines);
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        try {
            run("cache", "--corpus", corpus.toString(), "--examples", "40", "--k", "8", "--examples-per-shard", "16",
                    "--hidden-layers", "12", "--out", tmp.resolve("single").toString(), "--device", "cpu");
            String spark = run("cache", "--corpus", corpus.toString(), "--examples", "40", "--k", "8",
                    "--examples-per-shard", "16", "--hidden-layers", "12", "--out", tmp.resolve("spark").toString(),
                    "--device", "cpu", "--spark", "local[2]");
            assertTrue(spark.contains("(3 shards built, 0 reused; Spark local[2]"), spark);
            assertTrue(spark.contains("positions/s through the teacher"), spark);
            for (String f : new String[] {"cache.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin"}) {
                assertArrayEquals(Files.readAllBytes(tmp.resolve("single").resolve(f)),
                        Files.readAllBytes(tmp.resolve("spark").resolve(f)), f);
            }
            String again = run("cache", "--corpus", corpus.toString(), "--examples", "40", "--k", "8",
                    "--examples-per-shard", "16", "--hidden-layers", "12", "--out", tmp.resolve("spark").toString(),
                    "--device", "cpu", "--spark", "local[2]");
            assertTrue(again.contains("(0 shards built, 3 reused"), again);
        } finally {
            if (threads == null) {
                System.clearProperty("ai.djl.pytorch.num_threads");
            } else {
                System.setProperty("ai.djl.pytorch.num_threads", threads);
            }
        }
    }

    @Test
    void aClusterMasterIsRefusedWithTheWayToUseIt() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DistillCli());
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("cache", "--spark", "yarn", "--out", tmp.resolve("x").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("--spark 'yarn' is not a local master"), err.toString());
        assertTrue(err.toString().contains("spark-submit with the shaded jar"), err.toString());
    }
}
