package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.cache.TopKCache;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./distill cache} end to end on a small corpus file: build, report, then resume. */
class CacheCommandTest {

    @TempDir
    Path tmp;

    private String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new DistillCli()).execute(args);
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void buildsReportsAndResumes() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            lines.add("Sentence " + i + " describes a hockey game played in winter.");
        }
        Path corpus = tmp.resolve("corpus.txt");
        Files.write(corpus, lines);
        Path out = tmp.resolve("cache");
        String[] args = {"cache", "--corpus", corpus.toString(), "--examples", "30", "--k", "8", "--batch-size", "8",
            "--examples-per-shard", "16", "--out", out.toString(), "--device", "cpu"};
        String first = run(args);
        assertTrue(first.contains("30 texts"), first);
        assertTrue(first.contains("(2 shards built, 0 reused)"), first);
        assertTrue(first.contains("record alone 2 + 8 x 4 = 34"), first);
        assertTrue(first.contains("full-vocabulary fp32 storage: 122,088 bytes per position"), first);
        assertTrue(first.contains("read a batch of 8 from the cache"), first);
        TopKCache cache = TopKCache.open(out);
        assertEquals(30, cache.numExamples());
        assertEquals(8, cache.k());
        String second = run(args);
        assertTrue(second.contains("(0 shards built, 2 reused)"), second);
    }
}
