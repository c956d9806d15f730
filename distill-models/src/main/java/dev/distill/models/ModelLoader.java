package dev.distill.models;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.io.HfConfig;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.io.onnx.ImportedEncoder;
import dev.distill.models.io.onnx.OnnxBertImporter;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a pretrained encoder from a known name, a Hugging Face directory or an ONNX file.
 *
 * <ul>
 *   <li>A {@link KnownModel} name ({@code bge-small-en-v1.5}, {@code all-MiniLM-L6-v2}): the ONNX
 *       graph and tokenizer are read from the Maven-fetched jar on the classpath.
 *   <li>A directory: {@code config.json}, {@code model.safetensors}, {@code tokenizer.json}
 *       (strict: every weight present, nothing unknown; the config checked against the weights,
 *       the tokenizer against both, every weight finite).
 *   <li>A {@code .onnx} file: a BERT-family graph; {@code tokenizer.json} is taken from the same
 *       folder, or from {@code <name>-tokenizer.json} beside it.
 * </ul>
 */
public final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private ModelLoader() {}

    /**
     * Loads a model onto {@code device}.
     *
     * @param nameOrPath a known name, a directory or an ONNX file
     * @param device where the weights go
     * @param maxLength the tokenizer truncates inputs to this many tokens
     * @return the model; close it to free the weights
     * @throws IllegalArgumentException if {@code nameOrPath} is none of these, or the model is invalid
     * @throws IllegalStateException if a known model's jar is not on the classpath
     */
    public static LoadedModel load(String nameOrPath, Device device, int maxLength) {
        KnownModel known = KnownModel.find(nameOrPath);
        if (known != null) {
            return loadKnown(known, device, maxLength);
        }
        Path path = Paths.get(nameOrPath);
        if (Files.isDirectory(path)) {
            return loadDirectory(path, device, maxLength);
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return loadOnnxFile(path, device, maxLength);
        }
        if (Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model file " + path + " is not an .onnx file; give a known model ("
                    + KnownModel.names() + "), a Hugging Face directory or a BERT-family .onnx file");
        }
        throw new IllegalArgumentException("model '" + nameOrPath + "' is neither a known model ("
                + KnownModel.names() + ") nor an existing directory or .onnx file");
    }

    private static LoadedModel loadKnown(KnownModel known, Device device, int maxLength) {
        ClassLoader cl = ModelLoader.class.getClassLoader();
        try (InputStream onnx = cl.getResourceAsStream(known.onnxResource());
                InputStream tok = cl.getResourceAsStream(known.tokenizerResource())) {
            if (onnx == null || tok == null) {
                throw new IllegalStateException("model " + known.id() + " is not on the classpath; add the Maven "
                        + "dependency " + known.mavenCoordinates());
            }
            long start = System.nanoTime();
            ImportedEncoder imported = OnnxBertImporter.load(onnx, known.onnxResource());
            TextTokenizer tokenizer = TextTokenizer.load(tok, known.tokenizerResource(), maxLength);
            LoadedModel m = build(imported, tokenizer, known.pooling(), known.id(), device);
            LOG.info("loaded {} ({} layers, hidden {}, {} parameters) in {} ms", known.id(),
                    imported.config().numLayers(), imported.config().hiddenSize(), m.encoder().parameterCount(),
                    (System.nanoTime() - start) / 1_000_000);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + known.id(), e);
        }
    }

    private static LoadedModel loadOnnxFile(Path file, Device device, int maxLength) {
        Path dir = file.toAbsolutePath().getParent();
        String base = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        Path tok = dir.resolve(base + "-tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            tok = dir.resolve("tokenizer.json");
        }
        if (!Files.isRegularFile(tok)) {
            throw new IllegalArgumentException("no tokenizer for " + file + ": put its Hugging Face tokenizer.json (or "
                    + base + "-tokenizer.json) in " + dir);
        }
        try {
            ImportedEncoder imported = OnnxBertImporter.load(file);
            return build(imported, TextTokenizer.load(tok, maxLength), Pooling.CLS, file.toString(), device);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model " + file, e);
        }
    }

    private static LoadedModel build(ImportedEncoder imported, TextTokenizer tokenizer, Pooling pooling, String source,
            Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            tokenizer.spec().checkFits(imported.config(), source);
            Encoder encoder = new Encoder(imported.config(), pooling, null);
            encoder.loadState(manager, imported.tensors(), true);
            encoder.setTrainable(false);
            return new LoadedModel(encoder, tokenizer, pooling, source, manager);
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    private static LoadedModel loadDirectory(Path dir, Device device, int maxLength) {
        NDManager manager = NDManager.newBaseManager(device);
        TextTokenizer tokenizer = null;
        try {
            // the tokenizer first: its checks are cheap, and a file that would abort the JVM is refused
            tokenizer = TextTokenizer.load(dir, maxLength);
            HfDirectory.Loaded loaded = HfDirectory.load(dir, manager);
            Encoder encoder = loaded.encoder();
            tokenizer.spec().checkFits(encoder.config(), dir.resolve(HfConfig.FILE_NAME).toString());
            encoder.setTrainable(false);
            return new LoadedModel(encoder, tokenizer, encoder.pooling(), dir.toString(), manager);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }
}
