package dev.distill.core.optim;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the PyTorch golden values written by src/test/python/make_optim_fixtures.py. */
final class OptimFixtures {

    static final String RESOURCE = "/optim/optim_fixtures.json";
    private static JsonObject root;

    private OptimFixtures() {}

    static synchronized JsonObject root() {
        if (root == null) {
            try (InputStream in = OptimFixtures.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing; run "
                            + "/usr/bin/python3 distill-core/src/test/python/make_optim_fixtures.py");
                }
                try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    root = JsonParser.parseReader(r).getAsJsonObject();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static JsonObject run(String name) {
        for (JsonElement e : root().getAsJsonArray("runs")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new IllegalArgumentException("no run " + name + " in " + RESOURCE);
    }

    static float[] floats(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).getAsDouble();
        }
        return out;
    }

    static long[] longs(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
