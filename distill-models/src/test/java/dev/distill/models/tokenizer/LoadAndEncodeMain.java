package dev.distill.models.tokenizer;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * Child-JVM entry point: {@code checked DIR TEXT} loads the model directory through
 * {@link ModelLoader} and embeds TEXT, printing {@code ENCODED n} or {@code REFUSED message};
 * {@code raw DIR TEXT} hands DIR/tokenizer.json straight to the native library (no checks) and
 * encodes TEXT, to show what an unchecked file does.
 */
public final class LoadAndEncodeMain {

    private LoadAndEncodeMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        String text = args[2];
        if (args[0].equals("raw")) {
            try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
                System.out.println("RAW " + t.encode(text).getIds().length);
            }
            return;
        }
        try (LoadedModel m = ModelLoader.load(dir.toString(), Device.cpu(), 32)) {
            long n = m.tokenizer().batch(List.of(text), m.manager()).inputIds().size();
            float[] pooled = m.encoder().forward(m.tokenizer().batch(List.of(text), m.manager()), false)
                    .pooled().toFloatArray();
            System.out.println("ENCODED " + n + " " + pooled.length);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
