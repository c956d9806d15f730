package dev.distill.examples.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.inference.SentenceEmbedder;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./distill encode}: one JSON object per text with its sentence embedding. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Print sentence embeddings, one JSON object per text: {\"text\":..., \"embedding\":[...]}.")
public final class EncodeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "A text to embed (repeatable).")
    List<String> texts;

    @Option(names = "--no-normalize", negatable = false,
            description = "Print raw pooled vectors instead of L2-normalised ones.")
    boolean noNormalize;

    @Override
    public Integer call() {
        try (LoadedModel m = ModelLoader.load(model.model, model.device(), model.maxLength)) {
            Pooling pooling = model.pooling == null ? m.pooling() : Pooling.parse(model.pooling);
            SentenceEmbedder embedder = new SentenceEmbedder(
                    m.encoder(), m.tokenizer(), m.manager(), pooling, !noNormalize, model.batchSize);
            float[][] vectors = embedder.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                JsonObject o = new JsonObject();
                o.addProperty("text", texts.get(i));
                JsonArray a = new JsonArray();
                for (float v : vectors[i]) {
                    a.add(v);
                }
                o.add("embedding", a);
                System.out.println(o);
            }
        }
        return 0;
    }
}
