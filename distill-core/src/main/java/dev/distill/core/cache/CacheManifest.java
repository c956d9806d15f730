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
 * @param positions kept positions over all examples (known once complete, else 0)
 * @param bytes total shard bytes (known once complete, else 0)
 */
record CacheManifest(CacheFingerprint fingerprint, long numExamples, int examplesPerShard, int k, int vocabSize,
        int idBytes, int pooledDim, boolean complete, long positions, long bytes) {

    static final String FILE = "cache.json";
    static final String FORMAT = "distill-topk-cache";
    static final int VERSION = 1;

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
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!FORMAT.equals(o.get("format").getAsString()) || o.get("version").getAsInt() != VERSION) {
                throw new MalformedFileException(f, "format " + o.get("format") + " version " + o.get("version")
                        + " is not " + FORMAT + " version " + VERSION);
            }
            return new CacheManifest(CacheFingerprint.fromJson(o.getAsJsonObject("fingerprint")),
                    o.get("num_examples").getAsLong(), o.get("examples_per_shard").getAsInt(), o.get("k").getAsInt(),
                    o.get("vocab_size").getAsInt(), o.get("id_bytes").getAsInt(), o.get("pooled_dim").getAsInt(),
                    o.get("complete").getAsBoolean(), o.get("positions").getAsLong(), o.get("bytes").getAsLong());
        } catch (RuntimeException e) {
            throw new MalformedFileException(f, "unreadable cache manifest: " + e.getMessage(), e);
        }
    }
}
