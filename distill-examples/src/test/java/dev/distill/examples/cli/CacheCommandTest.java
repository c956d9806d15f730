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

        // With hidden states: their bytes are counted in the size per position and itemised.
        Path withHidden = tmp.resolve("hidden");
        String[] hiddenArgs = args.clone();
        hiddenArgs[hiddenArgs.length - 3] = withHidden.toString();
        String[] all = java.util.Arrays.copyOf(hiddenArgs, hiddenArgs.length + 2);
        all[hiddenArgs.length] = "--hidden-layers";
        all[hiddenArgs.length + 1] = "0,12";
        String third = run(all);
        TopKCache hidden = TopKCache.open(withHidden);
        assertEquals(List.of(0, 12), hidden.hiddenLayers());
        assertEquals(384, hidden.hiddenDim());
        long tokens = 0;
        for (long e = 0; e < 30; e++) {
            tokens += hidden.tokens(e);
        }
        assertEquals(cache.bytes() + 2L * 2 * 384 * tokens + sizeOfLongerHeaders(cache, hidden), hidden.bytes());
        assertTrue(third.contains(String.format("size per position: %,.1f bytes, hidden states included",
                (double) hidden.bytes() / hidden.positions())), third);
        assertTrue(third.contains(String.format("hidden states [0, 12]: 2 x 384 x 2 = 1,536 bytes per token, %,d"
                + " tokens: %,d bytes", tokens, 1536 * tokens)), third);
        assertTrue(third.contains("from the cache (top-k and hidden states [0, 12])"), third);
    }

    /** The shard headers name the hidden layers and width, so they are a few bytes longer. */
    private static long sizeOfLongerHeaders(TopKCache plain, TopKCache hidden) throws Exception {
        long diff = 0;
        for (int s = 0; s < 2; s++) {
            String name = String.format("shard-%05d.bin", s);
            diff += headerLength(hidden.directory().resolve(name)) - headerLength(plain.directory().resolve(name));
        }
        return diff;
    }

    private static long headerLength(Path shard) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(shard))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return (12 + b.getInt(8) + 7) & ~7;
    }

    @Test
    void refusesHiddenLayersThatAreNotAscending() {
        PrintStream old = System.err;
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = new CommandLine(new DistillCli());
        cli.setErr(new java.io.PrintWriter(err, true));
        int code = cli.execute("cache", "--hidden-layers", "12,0", "--out", tmp.resolve("x").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("--hidden-layers '12,0' must be ascending indices >= 0"), err.toString());
        System.setErr(old);
    }
}
