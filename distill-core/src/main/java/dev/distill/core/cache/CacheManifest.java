package dev.distill.core.cache;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.MalformedFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code cache.json}, the cache's table of contents: format, fingerprint, layout and whether the
 * build finished. Written before the first shard (complete = false) and again at the end.
 *
 * @param examplesPerShard shard s holds examples [s·examplesPerShard, (s+1)·examplesPerShard)
 * @param hiddenDim width H of each stored hidden state (0 when the fingerprint names no hidden layers)
 * @param positions kept positions over all examples (known once complete, else 0)
 * @param bytes total shard bytes (known once complete, else 0)
 */
record CacheManifest(CacheFingerprint fingerprint, long numExamples, int examplesPerShard, int k, int vocabSize,
        int idBytes, int pooledDim, int hiddenDim, boolean complete, long positions, long bytes) {

    static final String FILE = "cache.json";
    static final String FORMAT = "distill-topk-cache";
    /** 2: hidden states per real token (and the token count per example) were added. */
    static final int VERSION = 2;

    int numShards() {
        return (int) ((numExamples + examplesPerShard - 1) / examplesPerShard);
    }

    static String shardName(int shard) {
        return String.format("shard-%05d.bin", shard);
    }

    void write(Path dir) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("version", VERSION);
        o.add("fingerprint", fingerprint.toJson());
        o.addProperty("num_examples", numExamples);
        o.addProperty("examples_per_shard", examplesPerShard);
        o.addProperty("num_shards", numShards());
        o.addProperty("k", k);
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("id_bytes", idBytes);
        o.addProperty("pooled_dim", pooledDim);
        o.addProperty("hidden_dim", hiddenDim);
        o.addProperty("complete", complete);
        o.addProperty("positions", positions);
        o.addProperty("bytes", bytes);
        AtomicFiles.writeString(dir.resolve(FILE), new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n");
    }

    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    static CacheManifest read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null, "no teacher-output cache here ("
                    + FILE + " is missing); build one first, e.g. ./distill cache");
        }
        JsonObject o;
        try {
            o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new MalformedFileException(f, "unreadable cache manifest: " + e.getMessage(), e);
        }
        String format = o.has("format") ? o.get("format").getAsString() : null;
        int version = o.has("version") ? o.get("version").getAsInt() : -1;
        if (!FORMAT.equals(format)) {
            throw new MalformedFileException(f, "format " + format + " is not " + FORMAT + ": not a distill"
                    + " teacher-output cache");
        }
        if (version != VERSION) {
            throw new MalformedFileException(f, "cache format version " + version + ", but this distill reads only"
                    + " version " + VERSION + (version < VERSION ? " (version 2 added hidden states and a token count"
                    + " per example)" : "") + "; delete " + dir + " and build the cache again with this version");
        }
        try {
            return new CacheManifest(CacheFingerprint.fromJson(o.getAsJsonObject("fingerprint")),
                    o.get("num_examples").getAsLong(), o.get("examples_per_shard").getAsInt(), o.get("k").getAsInt(),
                    o.get("vocab_size").getAsInt(), o.get("id_bytes").getAsInt(), o.get("pooled_dim").getAsInt(),
                    o.get("hidden_dim").getAsInt(), o.get("complete").getAsBoolean(), o.get("positions").getAsLong(),
                    o.get("bytes").getAsLong());
        } catch (RuntimeException e) {
            throw new MalformedFileException(f, "unreadable cache manifest: " + e.getMessage(), e);
        }
    }
}
