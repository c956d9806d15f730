package dev.distill.models.io;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A small random BERT saved as a real Hugging Face directory with bge-small-en-v1.5's
 * tokenizer.json (from its Maven jar), for tests that break one file of it.
 */
public final class TinyModelDir {

    /** 2 layers × 32, bge's 30,522-token vocabulary. */
    public static final EncoderConfig SMALL = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(32)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(48).optMaxPositions(64).build();

    private TinyModelDir() {}

    /** Saves a random encoder of shape {@code config} with bge's tokenizer to {@code dir}. */
    public static Path create(Path dir, EncoderConfig config) {
        KnownModel bge = KnownModel.BGE_SMALL_EN_V15;
        try (NDManager manager = NDManager.newBaseManager();
                InputStream in = TinyModelDir.class.getClassLoader().getResourceAsStream(bge.tokenizerResource());
                TextTokenizer tokenizer = TextTokenizer.load(in, bge.tokenizerResource(), 64)) {
            Encoder e = Students.fromConfig(config, Pooling.MEAN, null, manager, 7);
            HfDirectory.save(e, tokenizer, dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a model directory (its files and sub-folders) to {@code to}. */
    public static Path copy(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    /** Rewrites a JSON object file of the directory through {@code edit}. */
    public static void editJson(Path file, Consumer<JsonObject> edit) throws IOException {
        JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(o);
        Files.writeString(file, o.toString(), StandardCharsets.UTF_8);
    }
}
