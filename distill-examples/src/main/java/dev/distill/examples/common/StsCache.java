package dev.distill.examples.common;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.distill.core.eval.StsEvaluator;
import dev.distill.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STS scores of frozen models (teacher, reference) kept on disk by weight fingerprint, so a
 * second run against the same teacher does not spend minutes re-scoring it. Students are never
 * cached. A file that does not parse is ignored and rewritten.
 */
public final class StsCache {

    private static final Logger LOG = LoggerFactory.getLogger(StsCache.class);
    private static final Gson GSON = new Gson();

    private final Path dir;

    /** @param dir the folder holding one JSON file per fingerprint */
    public StsCache(Path dir) {
        this.dir = dir;
    }

    /** The cached result for {@code fingerprint}, or the computed one (then stored). */
    public StsEvaluator.Result get(String fingerprint, Supplier<StsEvaluator.Result> compute) {
        Path file = dir.resolve("sts-" + fingerprint.replaceAll("[^A-Za-z0-9]", "").substring(0, 24) + ".json");
        if (Files.isRegularFile(file)) {
            try {
                JsonObject o = GSON.fromJson(Files.readString(file), JsonObject.class);
                Map<String, Double> per = new LinkedHashMap<>();
                o.getAsJsonObject("subsets").entrySet().forEach(e -> per.put(e.getKey(), e.getValue().getAsDouble()));
                LOG.info("STS scores of {} read from {}", fingerprint.substring(0, 12), file);
                return new StsEvaluator.Result(per, o.get("mean").getAsDouble(), o.get("pooled").getAsDouble(),
                        o.get("pairs").getAsInt());
            } catch (IOException | RuntimeException e) {
                LOG.warn("ignoring unreadable STS cache {}: {}", file, e.toString());
            }
        }
        StsEvaluator.Result r = compute.get();
        JsonObject o = new JsonObject();
        o.addProperty("fingerprint", fingerprint);
        o.addProperty("mean", r.mean());
        o.addProperty("pooled", r.pooled());
        o.addProperty("pairs", r.pairs());
        JsonObject subsets = new JsonObject();
        r.perSubset().forEach(subsets::addProperty);
        o.add("subsets", subsets);
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(file, o.toString());
        } catch (IOException e) {
            LOG.warn("could not write STS cache {}: {}", file, e.toString());
        }
        return r;
    }
}
