package dev.distill.examples;

import ai.djl.ndarray.NDManager;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A tiny random BERT with bge-small's tokenizer (so its vocabulary, 30,522), saved as a Hugging
 * Face directory: a teacher that loads in a second, for smoke tests of the example commands.
 */
public final class TinyTeacher {

    private TinyTeacher() {}

    /** Writes a {@code layers}-layer, 32-wide model with CLS pooling into {@code dir} and returns {@code dir}. */
    public static Path create(Path dir, int layers) throws Exception {
        return create(dir, layers, Pooling.CLS);
    }

    /** As {@link #create(Path, int)}, with the given pooling. */
    public static Path create(Path dir, int layers, Pooling pooling) throws Exception {
        return create(dir, layers, pooling, 7);
    }

    /** As {@link #create(Path, int, Pooling)}, with weights drawn from {@code seed}. */
    public static Path create(Path dir, int layers, Pooling pooling, long seed) throws Exception {
        KnownModel bge = KnownModel.BGE_SMALL_EN_V15;
        try (NDManager m = NDManager.newBaseManager();
                InputStream in = TinyTeacher.class.getClassLoader().getResourceAsStream(bge.tokenizerResource());
                TextTokenizer tok = TextTokenizer.load(in, bge.tokenizerResource(), 64)) {
            EncoderConfig c = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(32).setNumLayers(layers)
                    .setNumHeads(4).setIntermediateSize(64).optMaxPositions(128).build();
            Encoder e = new Encoder(c, pooling, null);
            e.initializeWeights(m, seed);
            HfDirectory.save(e, tok, dir);
        }
        return dir;
    }
}
